//! JSONC (JSON with comments) parsing and comment-preserving editing.
//!
//! `wrangler.jsonc` is JSON plus `//` and `/* */` comments and trailing commas.
//! The tool edits it by making small text insertions and removals at positions
//! found by [`parse`], so every comment and all formatting outside an edit stay
//! byte for byte as the user wrote them:
//!
//! 1. [`parse`] the text into a [`Value`] tree in which every value knows the
//!    byte range ([`Value::span`]) of its text;
//! 2. build [`Edit`]s with [`append_element`], [`append_member`],
//!    [`remove_element`] or [`replace_value`]; they imitate the surrounding
//!    style (indentation unit, line endings, trailing commas, single- or
//!    multi-line layout);
//! 3. [`apply`] them to get the new text.
//!
//! Positions in errors are 1-based lines and columns, the column counted in
//! characters (see [`line_col`]).
//!
//! # Why not `jsonc-parser`
//!
//! dprint's `jsonc-parser` (0.34, feature `cst`) edits JSONC keeping comments,
//! line endings and the detected indentation, and its removals matched ours on
//! the cases tried. Tried on this module's cases and the tool's, it loses
//! guarantees this editor gives:
//!
//! - **Layout of inserted values.** Its input values carry no layout, and a
//!   non-empty object is always written over several lines. Appending
//!   `{ "name": "NOTES", "class_name": "Notes" }` to bindings written one per
//!   line gives a four-line object among one-line ones, and a new `exports`
//!   entry is no longer `"Counter": { "type": "durable-object", "storage":
//!   "sqlite" }` like its neighbours (and like `durable new` writes it, which
//!   the scaffold's tests pin).
//! - **Duplicate keys.** It keeps the last of two members with one key, where
//!   [`parse`] refuses the document: `durable config` could edit one of two
//!   `durable_objects` members while wrangler reads the other.
//! - **Errors.** They have lines, but say less and point elsewhere: `[1 2]` is
//!   "Expected comma on line 1 column 3" (here: column 4, ``expected `,` or `]`
//!   after an array element, found `2` ``), `{"a": True}` is "Unexpected
//!   token" (here: ``found `True` (did you mean `true`?)``), `[01]` is
//!   "Expected comma" (here: a number cannot start with `0` followed by more
//!   digits).
//! - **Edits as text.** Its tree re-prints the document; the tool's plans are
//!   lists of [`Edit`]s, which [`apply`] checks for overlaps and
//!   `exports.rs` inspects for the comments a conversion drops.
//!
//! Duplicate keys could be checked over its tree in a few lines; the layout
//! could not, short of writing raw text into placeholder values and
//! re-deriving its indentation (this module again, on top of a second one),
//! and the errors would be worse. So the crate is the tests' second opinion:
//! every document the unit tests parse must read the same in it, and every
//! document they refuse must be refused by it too, but for the documented
//! cases where [`parse`] is stricter (see the tests' `STRICTER`).

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;

/// Deepest nesting of arrays and objects [`parse`] accepts.
const MAX_DEPTH: usize = 256;

/// The UTF-8 byte order mark, allowed (and ignored) at the start of a document.
const BOM: &str = "\u{feff}";

/// How many characters of an unexpected word an error message quotes.
const MAX_QUOTED_WORD: usize = 24;

/// A parsed JSONC value with the byte range of its text in the source.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    /// What the value is.
    pub kind: Kind,
    /// Byte range of the value's text: from the opening to the matching closing
    /// bracket inclusive for objects and arrays, including the quotes for strings.
    pub span: Range<usize>,
}

/// The kind and contents of a [`Value`].
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// An object, its members in source order.
    Object(Vec<Member>),
    /// An array, its elements in source order.
    Array(Vec<Value>),
    /// A string, decoded (escapes resolved, `\uXXXX` including surrogate pairs).
    String(String),
    /// A number, as its literal text (e.g. `-1.5e3`).
    Number(String),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
}

/// One `"key": value` member of an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// The decoded key.
    pub key: String,
    /// Byte range of the key's text, including its quotes.
    pub key_span: Range<usize>,
    /// The member's value.
    pub value: Value,
}

/// A syntax error, with the 1-based line and column (counted in characters)
/// where it was found.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, counted in characters (not bytes).
    pub column: usize,
    /// What is wrong, e.g. ``expected `,` or `]` after an array element, found `"` ``.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for ParseError {}

impl Value {
    /// The value of the first member named `key`, or `None` when there is no
    /// such member or `self` is not an object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object()?.iter().find(|m| m.key == key).map(|m| &m.value)
    }

    /// The decoded string, or `None` when `self` is not a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::String(s) => Some(s),
            _ => None,
        }
    }

    /// The elements, or `None` when `self` is not an array.
    pub fn as_array(&self) -> Option<&[Value]> {
        match &self.kind {
            Kind::Array(elements) => Some(elements),
            _ => None,
        }
    }

    /// The members, or `None` when `self` is not an object.
    pub fn as_object(&self) -> Option<&[Member]> {
        match &self.kind {
            Kind::Object(members) => Some(members),
            _ => None,
        }
    }
}

/// Parses a JSONC document: exactly one JSON value, surrounded by any amount
/// of whitespace and comments, optionally preceded by a UTF-8 byte order mark.
///
/// Beyond JSON it accepts `//` line comments, `/* */` block comments and a
/// trailing comma after the last element of an array or member of an object.
/// It rejects duplicate keys within one object and nesting deeper than 256
/// arrays and objects.
pub fn parse(text: &str) -> Result<Value, ParseError> {
    let mut parser = Parser { text, bytes: text.as_bytes(), pos: 0, depth: 0 };
    if text.starts_with(BOM) {
        parser.pos = BOM.len();
    }
    parser.skip_trivia()?;
    let value = parser.value()?;
    parser.skip_trivia()?;
    if parser.pos < parser.bytes.len() {
        let found = parser.found(parser.pos);
        return Err(parser.error(parser.pos, format!("unexpected {found} after the end of the document")));
    }
    Ok(value)
}

/// The 1-based (line, column) of the byte `offset` in `text`, the column
/// counted in characters. An offset past the end means the end of the text; an
/// offset inside a multi-byte character means that character. A byte order
/// mark at the start of the text does not count as a column.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let mut column = before[line_start..].chars().count() + 1;
    if line_start == 0 && before.starts_with(BOM) {
        column -= 1;
    }
    (line, column)
}

/// The recursive-descent parser. `pos` is always on a character boundary.
struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn error(&self, pos: usize, message: impl Into<String>) -> ParseError {
        let (line, column) = line_col(self.text, pos);
        ParseError { line, column, message: message.into() }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Describes the token at `pos` for an error message: ``"`x`"``, a whole
    /// word such as ``"`True`"``, a code point for invisible characters, or
    /// `"end of file"`.
    fn found(&self, pos: usize) -> String {
        let rest = self.text.get(pos..).unwrap_or("");
        let Some(c) = rest.chars().next() else {
            return "end of file".to_owned();
        };
        let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '.';
        if c.is_alphanumeric() || c == '_' {
            let mut word: String = rest.chars().take_while(|&c| is_word(c)).take(MAX_QUOTED_WORD + 1).collect();
            if word.chars().count() > MAX_QUOTED_WORD {
                word = word.chars().take(MAX_QUOTED_WORD).collect();
                word.push_str("...");
            }
            format!("`{word}`")
        } else if c.is_control() || c.is_whitespace() || c == '\u{feff}' {
            format!("the character U+{:04X}", c as u32)
        } else {
            format!("`{c}`")
        }
    }

    /// `" (the array opened at line L, column C is not closed)"` at the end
    /// of the text, `""` elsewhere.
    fn unclosed(&self, what: &str, open: usize) -> String {
        if self.pos < self.bytes.len() {
            return String::new();
        }
        let (line, column) = line_col(self.text, open);
        format!(" (the {what} opened at line {line}, column {column} is not closed)")
    }

    /// Skips whitespace and comments.
    fn skip_trivia(&mut self) -> Result<(), ParseError> {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\n' | b'\r') => self.pos += 1,
                Some(b'/') => match self.bytes.get(self.pos + 1) {
                    Some(b'/') => {
                        self.pos += 2;
                        while self.peek().is_some_and(|b| b != b'\n') {
                            self.pos += 1;
                        }
                    }
                    Some(b'*') => match find(self.bytes, self.pos + 2, b"*/") {
                        Some(end) => self.pos = end + 2,
                        None => {
                            return Err(self.error(self.pos, "unterminated block comment (`/*` without a closing `*/`)"))
                        }
                    },
                    _ => return Err(self.error(self.pos, "unexpected `/` (comments start with `//` or `/*`)")),
                },
                _ => return Ok(()),
            }
        }
    }

    /// Parses the value at `pos` (trivia already skipped).
    fn value(&mut self) -> Result<Value, ParseError> {
        let start = self.pos;
        let Some(b) = self.peek() else {
            return Err(self.error(start, "expected a value, found end of file"));
        };
        let kind = match b {
            b'{' => return self.object(),
            b'[' => return self.array(),
            b'"' => Kind::String(self.string()?),
            b'-' | b'0'..=b'9' => Kind::Number(self.number()?),
            b'\'' => return Err(self.error(start, "expected a value, found `'` (strings must be in double quotes)")),
            b']' | b'}' | b',' | b':' => {
                return Err(self.error(start, format!("unexpected `{}`, expected a value", b as char)));
            }
            b if b.is_ascii_alphabetic() => {
                let len = self.bytes[start..].iter().take_while(|b| b.is_ascii_alphanumeric() || **b == b'_').count();
                let kind = match &self.text[start..start + len] {
                    "true" => Kind::Bool(true),
                    "false" => Kind::Bool(false),
                    "null" => Kind::Null,
                    word => {
                        let lower = word.to_ascii_lowercase();
                        let hint = if matches!(lower.as_str(), "true" | "false" | "null") {
                            format!(" (did you mean `{lower}`?)")
                        } else {
                            String::new()
                        };
                        return Err(self.error(start, format!("expected a value, found {}{hint}", self.found(start))));
                    }
                };
                self.pos += len;
                kind
            }
            _ => return Err(self.error(start, format!("expected a value, found {}", self.found(start)))),
        };
        Ok(Value { kind, span: start..self.pos })
    }

    /// Counts one more level of nesting for the bracket at `pos`.
    fn enter(&mut self, pos: usize) -> Result<(), ParseError> {
        if self.depth >= MAX_DEPTH {
            return Err(
                self.error(pos, format!("too deeply nested (more than {MAX_DEPTH} levels of arrays and objects)"))
            );
        }
        self.depth += 1;
        Ok(())
    }

    fn object(&mut self) -> Result<Value, ParseError> {
        let open = self.pos;
        self.enter(open)?;
        self.pos += 1;
        let mut members: Vec<Member> = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        loop {
            self.skip_trivia()?;
            let at = self.pos;
            match self.peek() {
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                Some(b'"') => {}
                Some(b',') if members.is_empty() => {
                    return Err(self.error(at, "unexpected `,` before the first member of the object"));
                }
                Some(b',') => return Err(self.error(at, "unexpected `,` (two commas in a row)")),
                Some(b) => {
                    let hint = if b == b'\'' {
                        " (strings must be in double quotes)"
                    } else if b.is_ascii_alphanumeric() || b == b'_' || b == b'$' {
                        " (keys must be in double quotes)"
                    } else {
                        ""
                    };
                    let found = self.found(at);
                    return Err(self.error(at, format!("expected a string key or `}}`, found {found}{hint}")));
                }
                None => {
                    let unclosed = self.unclosed("object", open);
                    return Err(self.error(at, format!("expected a string key or `}}`, found end of file{unclosed}")));
                }
            }
            let key = self.string()?;
            let key_span = at..self.pos;
            if let Some(&first) = seen.get(&key) {
                let line = line_col(self.text, first).0;
                return Err(self.error(at, format!("duplicate key `{}` (first at line {line})", printable(&key))));
            }
            seen.insert(key.clone(), at);
            self.skip_trivia()?;
            if self.peek() != Some(b':') {
                let found = self.found(self.pos);
                let message = format!("expected `:` after the key `{}`, found {found}", printable(&key));
                return Err(self.error(self.pos, message));
            }
            self.pos += 1;
            self.skip_trivia()?;
            let value = self.value()?;
            members.push(Member { key, key_span, value });
            self.skip_trivia()?;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                _ => {
                    let found = self.found(self.pos);
                    let unclosed = self.unclosed("object", open);
                    let message = format!("expected `,` or `}}` after an object member, found {found}{unclosed}");
                    return Err(self.error(self.pos, message));
                }
            }
        }
        self.depth -= 1;
        Ok(Value { kind: Kind::Object(members), span: open..self.pos })
    }

    fn array(&mut self) -> Result<Value, ParseError> {
        let open = self.pos;
        self.enter(open)?;
        self.pos += 1;
        let mut elements = Vec::new();
        loop {
            self.skip_trivia()?;
            let at = self.pos;
            match self.peek() {
                Some(b']') => {
                    self.pos += 1;
                    break;
                }
                Some(b',') if elements.is_empty() => {
                    return Err(self.error(at, "unexpected `,` before the first element of the array"));
                }
                Some(b',') => return Err(self.error(at, "unexpected `,` (two commas in a row)")),
                Some(b'}') => return Err(self.error(at, "unexpected `}`, expected a value or `]`")),
                None => {
                    let unclosed = self.unclosed("array", open);
                    return Err(self.error(at, format!("expected a value or `]`, found end of file{unclosed}")));
                }
                Some(_) => {}
            }
            elements.push(self.value()?);
            self.skip_trivia()?;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    break;
                }
                _ => {
                    let found = self.found(self.pos);
                    let unclosed = self.unclosed("array", open);
                    let message = format!("expected `,` or `]` after an array element, found {found}{unclosed}");
                    return Err(self.error(self.pos, message));
                }
            }
        }
        self.depth -= 1;
        Ok(Value { kind: Kind::Array(elements), span: open..self.pos })
    }

    /// Parses the string starting at the `"` at `pos`, returning it decoded.
    fn string(&mut self) -> Result<String, ParseError> {
        let start = self.pos;
        self.pos += 1;
        let mut decoded = String::new();
        let mut run = self.pos;
        loop {
            let Some(b) = self.peek() else {
                return Err(self.error(start, "unterminated string (no closing `\"`)"));
            };
            match b {
                b'"' => {
                    decoded.push_str(&self.text[run..self.pos]);
                    self.pos += 1;
                    return Ok(decoded);
                }
                b'\\' => {
                    decoded.push_str(&self.text[run..self.pos]);
                    decoded.push(self.escape(start)?);
                    run = self.pos;
                }
                b'\n' | b'\r' => {
                    let message = "unterminated string (no closing `\"` on its line; write a line break as `\\n`)";
                    return Err(self.error(start, message));
                }
                0..=0x1f => {
                    let message = format!("control character U+{b:04X} in a string (write it as `\\u{b:04X}`)");
                    return Err(self.error(self.pos, message));
                }
                _ => self.pos += 1,
            }
        }
    }

    /// Decodes the escape sequence at `pos` (a `\`) of the string opened at
    /// `string_start`.
    fn escape(&mut self, string_start: usize) -> Result<char, ParseError> {
        let at = self.pos;
        let Some(e) = self.bytes.get(at + 1).copied() else {
            return Err(self.error(string_start, "unterminated string (no closing `\"`)"));
        };
        self.pos += 2;
        let c = match e {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let unit = self.hex4(at)?;
                let code = match unit {
                    0xD800..=0xDBFF => {
                        let next = self.pos;
                        if self.bytes.get(next) != Some(&b'\\') || self.bytes.get(next + 1) != Some(&b'u') {
                            return Err(self.unpaired(at));
                        }
                        self.pos += 2;
                        let low = self.hex4(next)?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return Err(self.unpaired(at));
                        }
                        0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                    }
                    0xDC00..=0xDFFF => return Err(self.unpaired(at)),
                    _ => unit,
                };
                // Cannot fail: surrogates were excluded above.
                char::from_u32(code).ok_or_else(|| self.unpaired(at))?
            }
            _ => {
                let rest = self.text.get(at + 1..).unwrap_or("");
                let shown = match rest.chars().next() {
                    Some(c) if !c.is_control() && !c.is_whitespace() => format!("`\\{c}`"),
                    _ => "`\\` followed by a blank or control character".to_owned(),
                };
                return Err(self.error(at, format!("invalid escape {shown} in a string")));
            }
        };
        Ok(c)
    }

    /// Reads the four hex digits of the `\u` escape whose `\` is at `at`.
    fn hex4(&mut self, at: usize) -> Result<u32, ParseError> {
        let mut value = 0;
        for i in 0..4 {
            let digit = self.bytes.get(self.pos + i).and_then(|&b| (b as char).to_digit(16));
            let Some(digit) = digit else {
                return Err(self.error(at, "invalid `\\u` escape (expected four hex digits)"));
            };
            value = value * 16 + digit;
        }
        self.pos += 4;
        Ok(value)
    }

    fn unpaired(&self, at: usize) -> ParseError {
        let escape = self.text.get(at..at + 6).unwrap_or("\\u");
        self.error(at, format!("invalid escape `{escape}`: unpaired UTF-16 surrogate"))
    }

    /// Parses the number at `pos`, returning its text.
    fn number(&mut self) -> Result<String, ParseError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.pos += 1;
                if self.peek().is_some_and(|b| b.is_ascii_digit()) {
                    return Err(self.error(start, "a number cannot start with `0` followed by more digits"));
                }
            }
            Some(b'1'..=b'9') => self.digits(),
            _ => {
                let found = self.found(self.pos);
                return Err(self.error(self.pos, format!("expected a digit after `-`, found {found}")));
            }
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !self.peek().is_some_and(|b| b.is_ascii_digit()) {
                let found = self.found(self.pos);
                return Err(self.error(self.pos, format!("expected a digit after the decimal point, found {found}")));
            }
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !self.peek().is_some_and(|b| b.is_ascii_digit()) {
                let found = self.found(self.pos);
                return Err(self.error(self.pos, format!("expected a digit in the exponent, found {found}")));
            }
            self.digits();
        }
        Ok(self.text[start..self.pos].to_owned())
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
    }
}

/// The first index at or after `from` where `needle` occurs in `haystack`.
fn find(haystack: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    haystack.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|i| i + from)
}

/// `key` with control characters escaped, for error messages.
fn printable(key: &str) -> String {
    key.chars().map(|c| if c.is_control() { c.escape_debug().to_string() } else { c.to_string() }).collect()
}

/// A text replacement: the bytes in `range` become `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// Byte range of the replaced text (empty for an insertion).
    pub range: Range<usize>,
    /// The replacement.
    pub text: String,
}

/// Applies `edits`, given in any order, to `text`.
///
/// The result is the same as applying them one by one from the end of the text
/// backwards. Insertions at the same position (empty ranges) keep the order in
/// which they are given. Returns an error, and never panics, when two edits
/// overlap or an edit's range is reversed, lies outside the text or splits a
/// character.
pub fn apply(text: &str, edits: &[Edit]) -> Result<String, String> {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.range.start, e.range.end));
    for edit in &sorted {
        let Range { start, end } = edit.range;
        if start > end || end > text.len() {
            return Err(format!("edit {start}..{end} is outside the text (length {})", text.len()));
        }
        if !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            return Err(format!("edit {start}..{end} splits a character"));
        }
    }
    for pair in sorted.windows(2) {
        let (a, b) = (&pair[0].range, &pair[1].range);
        if a.end > b.start {
            return Err(format!("edits {}..{} and {}..{} overlap", a.start, a.end, b.start, b.end));
        }
    }
    let mut out = String::with_capacity(text.len() + sorted.iter().map(|e| e.text.len()).sum::<usize>());
    let mut copied = 0;
    for edit in sorted {
        out.push_str(&text[copied..edit.range.start]);
        out.push_str(&edit.text);
        copied = edit.range.end;
    }
    out.push_str(&text[copied..]);
    Ok(out)
}

/// Edit that appends `element` (JSON text) as the last element of `array`.
///
/// `element` may span several lines: its lines after the first are indented
/// relative to column 0 of its first line, and get the indentation of the
/// line the element lands on. Leading and trailing whitespace is ignored.
///
/// The layout imitates the array's (the indentation unit and line break are
/// detected from the document, defaulting to two spaces and `\n`):
/// - an empty array becomes multi-line: `[`, the element on its own line one
///   indentation unit deeper than the line of the `[`, then `]` on a line
///   indented like that of the `[`; comments inside stay before the element.
///   Only when both brackets are on one line followed by more than commas and
///   comments (e.g. `[] }`), and the element is one line, does it become
///   `[element]`;
/// - when the last element does not start a line, the new one follows it on
///   that line: `, element`, or ` element` after a trailing comma;
/// - when the last element starts a line, the new one goes on a new line after
///   the last element's line (after any comment on it), indented like it. A
///   comma is inserted right after the last element, unless it has a trailing
///   comma on its line, which is kept, the new element then getting one too.
///
/// `text` must be the text `array` was parsed from. When `array` is not an
/// array of that text, the edit inserts nothing.
pub fn append_element(text: &str, array: &Value, element: &str) -> Edit {
    match &array.kind {
        Kind::Array(_) => append_item(text, array, element, b'[', b']'),
        _ => no_op(text, array),
    }
}

/// Edit that appends the member `"key": value` as the last member of `object`.
///
/// `key` is the raw key (it is quoted and escaped here); `value` is JSON text,
/// formatted as described for [`append_element`], as is the placement of the
/// member. It does not check whether `object` already has a member `key`.
///
/// `text` must be the text `object` was parsed from. When `object` is not an
/// object of that text, the edit inserts nothing.
pub fn append_member(text: &str, object: &Value, key: &str, value: &str) -> Edit {
    match &object.kind {
        Kind::Object(_) => {
            let member = format!("{}: {}", quote(key), value.trim());
            append_item(text, object, &member, b'{', b'}')
        }
        _ => no_op(text, object),
    }
}

/// Edits that remove element `index` of `array`, with one separating comma.
///
/// When the element sits on its own line(s), those whole lines go, including a
/// comment after the element on its last line. Otherwise only the element, its
/// comma and the space between it and its neighbour go. Removing the last
/// element of an array without a trailing comma removes the comma after the
/// previous element; with a trailing comma, the previous element keeps its
/// comma. Removing the only element leaves `[]` (or the comments that were
/// inside).
///
/// An object works too, `index` then selecting a member. `text` must be the
/// text `array` was parsed from. When `index` is out of range or `array` is not
/// an array or object of that text, there are no edits.
pub fn remove_element(text: &str, array: &Value, index: usize) -> Vec<Edit> {
    let Some(container) = Container::of(text, array) else {
        return Vec::new();
    };
    let items = &container.items;
    let Some(target) = items.get(index).cloned() else {
        return Vec::new();
    };
    let n = items.len();
    let boundary = |i: usize| items.get(i + 1).map_or(container.close, |next| next.start);
    let comma_after =
        |i: usize| tokens(text, items[i].end..boundary(i)).into_iter().find(|t| t.kind == Tok::Comma).map(|t| t.range);

    // The comma that goes with the element.
    let own_comma = comma_after(index);
    let (comma, comma_is_own) = if index + 1 < n || own_comma.is_some() {
        (own_comma, true)
    } else if index > 0 {
        (comma_after(index - 1), false)
    } else {
        (None, false)
    };

    let mut edits = Vec::new();
    if let Some(lines) = own_lines(text, &target, boundary(index)) {
        if let Some(comma) = comma.filter(|c| c.start < lines.start || c.end > lines.end) {
            edits.push(Edit { range: comma, text: String::new() });
        }
        edits.push(Edit { range: lines, text: String::new() });
    } else {
        let bytes = text.as_bytes();
        let mut start = target.start;
        let mut end = target.end;
        match &comma {
            Some(comma) if comma_is_own => {
                end = comma.end;
                let after = tokens(text, comma.end..boundary(index));
                let next_on_line = index + 1 < n && after.iter().all(|t| t.kind == Tok::Space);
                if next_on_line {
                    // `a, b` loses `a, `.
                    end = after.first().map_or(end, |t| t.range.end);
                } else {
                    // `a, b,` then a line break or comment loses ` b,`.
                    while start > container.open + 1 && matches!(bytes[start - 1], b' ' | b'\t') {
                        start -= 1;
                    }
                }
            }
            Some(comma) => start = comma.start,
            None => {}
        }
        edits.push(Edit { range: start..end, text: String::new() });
    }

    // Removing the only item: collapse what is left to `[]` if it is blank.
    if n == 1 {
        let mut sorted: Vec<Range<usize>> = edits.iter().map(|e| e.range.clone()).collect();
        sorted.sort_by_key(|r| r.start);
        let mut rest = container.open + 1;
        let mut blank = true;
        for range in sorted.iter().chain(std::iter::once(&(container.close..container.close))) {
            blank &= tokens(text, rest..range.start).iter().all(|t| matches!(t.kind, Tok::Space | Tok::Newline));
            rest = range.end;
        }
        if blank {
            return vec![Edit { range: container.open + 1..container.close, text: String::new() }];
        }
    }
    edits
}

/// Edit replacing `value`'s text with `new_text` (JSON text, used as is).
pub fn replace_value(value: &Value, new_text: &str) -> Edit {
    Edit { range: value.span.clone(), text: new_text.to_owned() }
}

/// Edit replacing `value`'s text with `new_text` (JSON text) laid out as
/// [`append_element`] lays out an element: lines after the first are indented
/// relative to column 0 of the first, and get the indentation of the line
/// `value` starts on and the document's line break. Comments around `value`
/// stay.
///
/// `text` must be the text `value` was parsed from.
pub fn replace_value_indented(text: &str, value: &Value, new_text: &str) -> Edit {
    let indent = line_indent(text, value.span.start.min(text.len()));
    Edit { range: value.span.clone(), text: indent_lines(new_text.trim(), indent, newline(text)) }
}

/// Edit replacing the whole member `member` (its key and value) with
/// `"key": value`, laid out as [`replace_value_indented`] does. Comments
/// before the key and after the value stay; any inside the old value go.
///
/// `text` must be the text `member` was parsed from.
pub fn replace_member(text: &str, member: &Member, key: &str, value: &str) -> Edit {
    let indent = line_indent(text, member.key_span.start.min(text.len()));
    let new_text = format!("{}: {}", quote(key), value.trim());
    Edit { range: member.key_span.start..member.value.span.end, text: indent_lines(&new_text, indent, newline(text)) }
}

/// Edit that appends several members to `object` at once, in order: as one
/// item for [`append_member`], so their layout follows the object's (on the
/// object's line when its members share one, else one per line).
///
/// `text` must be the text `object` was parsed from. With no members, or when
/// `object` is not an object of that text, the edit inserts nothing.
pub fn append_members(text: &str, object: &Value, members: &[(String, String)]) -> Edit {
    let Kind::Object(existing) = &object.kind else { return no_op(text, object) };
    let Some(((first_key, first_value), rest)) = members.split_first() else { return no_op(text, object) };
    let inner = slice(text, object.span.start..object.span.end);
    let multi_line = existing.is_empty() || inner.contains('\n') || members.iter().any(|(_, v)| v.contains('\n'));
    let separator = if multi_line { ",\n" } else { ", " };
    let mut value = first_value.trim().to_owned();
    for (key, member_value) in rest {
        value.push_str(separator);
        value.push_str(&format!("{}: {}", quote(key), member_value.trim()));
    }
    append_member(text, object, first_key, &value)
}

/// The 1-based lines of `text[range]` on which a comment starts (strings are
/// skipped), to tell which comments an edit of that range drops.
pub fn comment_lines(text: &str, range: Range<usize>) -> Vec<usize> {
    let bytes = text.as_bytes();
    let end = range.end.min(bytes.len());
    let mut i = range.start.min(end);
    let mut lines = Vec::new();
    while i < end {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < end && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'/' if matches!(bytes.get(i + 1), Some(b'/' | b'*')) => {
                let line = line_col(text, i).0;
                if lines.last() != Some(&line) {
                    lines.push(line);
                }
                if bytes[i + 1] == b'/' {
                    while i < end && bytes[i] != b'\n' {
                        i += 1;
                    }
                } else {
                    i = find(&bytes[..end], i + 2, b"*/").map_or(end, |close| close + 2);
                }
            }
            _ => i += 1,
        }
    }
    lines
}

/// An empty edit at the end of `value` (or of `text`, if the span is foreign).
fn no_op(text: &str, value: &Value) -> Edit {
    let mut at = value.span.end.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    Edit { range: at..at, text: String::new() }
}

/// An array's or object's brackets and the byte ranges of its items (elements,
/// or members from key to value), checked against the text.
struct Container {
    open: usize,
    close: usize,
    items: Vec<Range<usize>>,
}

impl Container {
    fn of(text: &str, value: &Value) -> Option<Container> {
        let (items, brackets): (Vec<Range<usize>>, _) = match &value.kind {
            Kind::Array(elements) => (elements.iter().map(|e| e.span.clone()).collect(), (b'[', b']')),
            Kind::Object(members) => {
                (members.iter().map(|m| m.key_span.start..m.value.span.end).collect(), (b'{', b'}'))
            }
            _ => return None,
        };
        Container::checked(text, value, items, brackets)
    }

    /// The container, if `value`'s span and its items fit `text`.
    fn checked(text: &str, value: &Value, items: Vec<Range<usize>>, (open_b, close_b): (u8, u8)) -> Option<Container> {
        let bytes = text.as_bytes();
        let open = value.span.start;
        let close = value.span.end.checked_sub(1)?;
        if open >= close || bytes.get(open) != Some(&open_b) || bytes.get(close) != Some(&close_b) {
            return None;
        }
        let mut last = open + 1;
        for item in &items {
            if item.start < last || item.end <= item.start || item.end > close {
                return None;
            }
            if !text.is_char_boundary(item.start) || !text.is_char_boundary(item.end) {
                return None;
            }
            last = item.end;
        }
        Some(Container { open, close, items })
    }
}

/// Appends `item` (an element, or a whole `"key": value` member) to the array or
/// object `value` with the brackets `open_b`/`close_b`.
fn append_item(text: &str, value: &Value, item: &str, open_b: u8, close_b: u8) -> Edit {
    let items = match &value.kind {
        Kind::Array(elements) => elements.iter().map(|e| e.span.clone()).collect(),
        Kind::Object(members) => members.iter().map(|m| m.key_span.start..m.value.span.end).collect(),
        _ => Vec::new(),
    };
    let Some(container) = Container::checked(text, value, items, (open_b, close_b)) else {
        return no_op(text, value);
    };
    let nl = newline(text);
    let item = item.trim();
    let Some(last) = container.items.last().cloned() else {
        return append_to_empty(text, &container, item, open_b == b'{');
    };

    let before_last = match container.items.len() {
        1 => container.open + 1,
        n => container.items[n - 2].end,
    };
    let own_line = text.as_bytes()[before_last..last.start].contains(&b'\n');
    let after = tokens(text, last.end..container.close);
    let first_newline = after.iter().position(|t| t.kind == Tok::Newline).unwrap_or(after.len());
    // A trailing comma on the last element's line (one further down only
    // comes after the new element, which is then followed by it).
    let trailing_comma = after[..first_newline].iter().find(|t| t.kind == Tok::Comma).map(|t| t.range.clone());

    if !own_line {
        let indent = line_indent(text, last.end);
        let item = indent_lines(item, indent, nl);
        return match after.iter().find(|t| t.kind == Tok::Comma) {
            Some(comma) => Edit { range: comma.range.end..comma.range.end, text: format!(" {item}") },
            None => Edit { range: last.end..last.end, text: format!(", {item}") },
        };
    }

    // After the comma and any comments on the last element's line.
    let mut at = last.end;
    for token in &after[..first_newline] {
        if matches!(token.kind, Tok::Comma | Tok::LineComment | Tok::BlockComment) {
            at = token.range.end;
        }
    }
    let indent = line_indent(text, last.start);
    let line = format!("{nl}{indent}{}", indent_lines(item, indent, nl));
    match trailing_comma {
        Some(_) => Edit { range: at..at, text: format!("{line},") },
        None => Edit { range: last.end..at, text: format!(",{}{line}", slice(text, last.end..at)) },
    }
}

/// Appends `item` to the container without items.
fn append_to_empty(text: &str, container: &Container, item: &str, is_object: bool) -> Edit {
    let nl = newline(text);
    let inner = container.open + 1..container.close;
    let inner_tokens = tokens(text, inner.clone());
    let last_comment = inner_tokens.iter().rev().find(|t| matches!(t.kind, Tok::LineComment | Tok::BlockComment));
    let spans_lines = slice(text, inner.clone()).contains('\n');
    let line_end = find(text.as_bytes(), container.close, b"\n").unwrap_or(text.len());
    let ends_line = tokens(text, container.close + 1..line_end)
        .iter()
        .all(|t| matches!(t.kind, Tok::Space | Tok::Newline | Tok::Comma | Tok::LineComment | Tok::BlockComment));

    if !(spans_lines || ends_line || item.contains('\n')) {
        // Single line: `[item]` or `{ item }`.
        return match last_comment {
            Some(comment) => Edit { range: comment.range.end..comment.range.end, text: format!(" {item}") },
            None if is_object => Edit { range: inner, text: format!(" {item} ") },
            None => Edit { range: inner, text: item.to_owned() },
        };
    }

    let container_indent = line_indent(text, container.open);
    let deeper = format!("{container_indent}{}", indent_unit(text));
    let Some(comment) = last_comment else {
        let item = indent_lines(item, &deeper, nl);
        return Edit { range: inner, text: format!("{nl}{deeper}{item}{nl}{container_indent}") };
    };
    // After the last comment, indented like it when it starts its own line.
    let comment_line_start = line_start(text, comment.range.start);
    let comment_starts_line =
        slice(text, comment_line_start..comment.range.start).bytes().all(|b| b == b' ' || b == b'\t');
    let indent = if comment_starts_line { line_indent(text, comment.range.start).to_owned() } else { deeper };
    let line = format!("{nl}{indent}{}", indent_lines(item, &indent, nl));
    let at = comment.range.end;
    if slice(text, at..container.close).contains('\n') {
        Edit { range: at..at, text: line }
    } else {
        Edit { range: at..container.close, text: format!("{line}{nl}{container_indent}") }
    }
}

/// The range of the whole line(s) of the item `target` (through the line break
/// after it, including a comma and comments after it on its last line) if
/// nothing but indentation precedes it on its first line and nothing but a
/// comma and comments follow it on its last one, before `boundary`.
fn own_lines(text: &str, target: &Range<usize>, boundary: usize) -> Option<Range<usize>> {
    let start = line_start(text, target.start);
    let prefix_start = if start == 0 && text.starts_with(BOM) { BOM.len() } else { start };
    if !slice(text, prefix_start..target.start).bytes().all(|b| b == b' ' || b == b'\t') {
        return None;
    }
    for token in tokens(text, target.end..boundary) {
        match token.kind {
            Tok::Newline => return Some(start..token.range.end),
            Tok::Other => return None,
            _ => {}
        }
    }
    None
}

/// The kinds of lexical tokens between items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    /// Spaces, tabs and lone carriage returns.
    Space,
    /// `\n` or `\r\n`.
    Newline,
    /// `// ...`, without the line break.
    LineComment,
    /// `/* ... */` (or `/* ...` to the end of the lexed range).
    BlockComment,
    /// `,`.
    Comma,
    /// Anything else, one character at a time.
    Other,
}

#[derive(Debug)]
struct Token {
    kind: Tok,
    range: Range<usize>,
}

/// Splits `range` of `text`, which is meant to hold only whitespace, comments
/// and commas, into tokens. Never panics, whatever the range.
fn tokens(text: &str, range: Range<usize>) -> Vec<Token> {
    let bytes = text.as_bytes();
    let end = range.end.min(bytes.len());
    let mut i = range.start;
    let mut out = Vec::new();
    while i < end {
        let start = i;
        let kind = match bytes[i] {
            b' ' | b'\t' => {
                while i < end && matches!(bytes[i], b' ' | b'\t') {
                    i += 1;
                }
                Tok::Space
            }
            b'\n' => {
                i += 1;
                Tok::Newline
            }
            b'\r' if i + 1 < end && bytes[i + 1] == b'\n' => {
                i += 2;
                Tok::Newline
            }
            b'\r' => {
                i += 1;
                Tok::Space
            }
            b',' => {
                i += 1;
                Tok::Comma
            }
            b'/' if i + 1 < end && bytes[i + 1] == b'/' => {
                while i < end && bytes[i] != b'\n' && !(bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n')) {
                    i += 1;
                }
                Tok::LineComment
            }
            b'/' if i + 1 < end && bytes[i + 1] == b'*' => {
                i = match find(&bytes[..end], i + 2, b"*/") {
                    Some(close) => close + 2,
                    None => end,
                };
                Tok::BlockComment
            }
            _ => {
                i += 1;
                while i < end && !text.is_char_boundary(i) {
                    i += 1;
                }
                Tok::Other
            }
        };
        out.push(Token { kind, range: start..i });
    }
    out
}

/// `text[range]`, or `""` if the range does not fit.
fn slice(text: &str, range: Range<usize>) -> &str {
    text.get(range).unwrap_or("")
}

/// The byte offset where the line holding `pos` starts.
fn line_start(text: &str, pos: usize) -> usize {
    let bytes = text.as_bytes();
    let pos = pos.min(bytes.len());
    bytes[..pos].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1)
}

/// The indentation (leading spaces and tabs) of the line holding `pos`.
fn line_indent(text: &str, pos: usize) -> &str {
    let mut start = line_start(text, pos);
    if start == 0 && text.starts_with(BOM) {
        start = BOM.len();
    }
    let len = text.as_bytes()[start..].iter().take_while(|&&b| b == b' ' || b == b'\t').count();
    &text[start..start + len]
}

/// The document's line break: `"\r\n"` if its first line ends with one.
fn newline(text: &str) -> &'static str {
    match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// The document's indentation unit: a tab if most indented lines start with
/// one, else the smallest number of leading spaces of an indented line, else
/// two spaces. Lines starting inside a block comment do not count.
pub fn indent_unit(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut i = if text.starts_with(BOM) { BOM.len() } else { 0 };
    let (mut tab_lines, mut space_lines, mut min_spaces) = (0, 0, usize::MAX);
    let mut in_comment = false;
    let mut line_begins = true;
    while i < bytes.len() {
        if line_begins && !in_comment {
            let indent = bytes[i..].iter().take_while(|&&b| b == b' ' || b == b'\t').count();
            let blank = matches!(bytes.get(i + indent), None | Some(b'\n' | b'\r'));
            if indent > 0 && !blank {
                if bytes[i] == b'\t' {
                    tab_lines += 1;
                } else {
                    space_lines += 1;
                    min_spaces = min_spaces.min(bytes[i..].iter().take_while(|&&b| b == b' ').count());
                }
            }
            i += indent;
        }
        line_begins = false;
        let Some(&b) = bytes.get(i) else { break };
        let next = bytes.get(i + 1).copied();
        match b {
            b'\n' => {
                line_begins = true;
                i += 1;
            }
            b'*' if in_comment && next == Some(b'/') => {
                in_comment = false;
                i += 2;
            }
            _ if in_comment => i += 1,
            b'/' if next == Some(b'*') => {
                in_comment = true;
                i += 2;
            }
            b'/' if next == Some(b'/') => {
                while bytes.get(i).is_some_and(|&b| b != b'\n') {
                    i += 1;
                }
            }
            b'"' => {
                i += 1;
                while let Some(&b) = bytes.get(i) {
                    match b {
                        b'"' => {
                            i += 1;
                            break;
                        }
                        b'\n' => break,
                        b'\\' if bytes.get(i + 1).is_some_and(|&b| b != b'\n') => i += 2,
                        _ => i += 1,
                    }
                }
            }
            _ => i += 1,
        }
    }
    if tab_lines > space_lines {
        "\t".to_owned()
    } else if min_spaces != usize::MAX {
        " ".repeat(min_spaces)
    } else {
        "  ".to_owned()
    }
}

/// `item` with its lines joined by `nl` and those after the first indented by
/// `indent` (blank lines stay empty).
fn indent_lines(item: &str, indent: &str, nl: &str) -> String {
    let mut out = String::with_capacity(item.len());
    for (i, line) in item.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if i > 0 {
            out.push_str(nl);
            if line.trim().is_empty() {
                continue;
            }
            out.push_str(indent);
        }
        out.push_str(line);
    }
    out
}

/// `s` as a JSON string literal.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Value {
        let value = parse(text).unwrap_or_else(|e| panic!("{e}\nin:\n{text}"));
        match oracle(text) {
            Ok(Some(expected)) => assert_same(&value, &expected, text),
            other => panic!("jsonc-parser reads {other:?}\nfrom:\n{text}"),
        }
        value
    }

    fn err(text: &str) -> ParseError {
        match parse(text) {
            Ok(value) => panic!("parsed {value:?}\nfrom:\n{text}"),
            Err(e) => {
                if !STRICTER.iter().any(|what| e.message.contains(what)) {
                    assert!(!matches!(oracle(text), Ok(Some(_))), "jsonc-parser accepts what we refuse ({e}):\n{text}");
                }
                e
            }
        }
    }

    /// The errors of [`parse`] for documents `jsonc-parser` reads: it keeps the
    /// last of duplicate keys, takes U+00A0 for whitespace, lets raw control
    /// characters into strings and nests up to 512 levels.
    const STRICTER: &[&str] = &["duplicate key", "found the character U+00A0", "control character", "too deeply nested"];

    /// The maintained `jsonc-parser` crate, as close to [`parse`]'s grammar as
    /// its options go (JSON plus comments and trailing commas): the second
    /// opinion on every document these tests parse. Both read the same values
    /// from every valid one, and it refuses every invalid one too, but for the
    /// [`STRICTER`] cases.
    fn oracle(text: &str) -> Result<Option<jsonc_parser::JsonValue<'_>>, jsonc_parser::errors::ParseError> {
        let options = jsonc_parser::ParseOptions {
            allow_comments: true,
            allow_trailing_commas: true,
            allow_loose_object_property_names: false,
            allow_missing_commas: false,
            allow_single_quoted_strings: false,
            allow_hexadecimal_numbers: false,
            allow_unary_plus_numbers: false,
            allow_bare_decimal_point_numbers: false,
            allow_non_finite_numbers: false,
            allow_extended_string_escapes: false,
        };
        jsonc_parser::parse_to_value(text.strip_prefix(BOM).unwrap_or(text), &options)
    }

    /// Asserts that `value` holds what the oracle read from `text`.
    fn assert_same(value: &Value, expected: &jsonc_parser::JsonValue<'_>, text: &str) {
        use jsonc_parser::JsonValue as J;
        match (&value.kind, expected) {
            (Kind::Object(members), J::Object(object)) => {
                assert_eq!(members.len(), object.len(), "members of {:?} in:\n{text}", &text[value.span.clone()]);
                for member in members {
                    let other = object.get(&member.key).unwrap_or_else(|| panic!("no `{}` for jsonc-parser in:\n{text}", member.key));
                    assert_same(&member.value, other, text);
                }
            }
            (Kind::Array(elements), J::Array(array)) => {
                assert_eq!(elements.len(), array.len(), "elements of {:?} in:\n{text}", &text[value.span.clone()]);
                elements.iter().zip(array.iter()).for_each(|(element, other)| assert_same(element, other, text));
            }
            (Kind::String(s), J::String(other)) => assert_eq!(s, other, "in:\n{text}"),
            (Kind::Number(n), J::Number(other)) => assert_eq!(n, other, "in:\n{text}"),
            (Kind::Bool(b), J::Boolean(other)) => assert_eq!(b, other, "in:\n{text}"),
            (Kind::Null, J::Null) => {}
            (ours, theirs) => panic!("we read {ours:?}, jsonc-parser {theirs:?}, in:\n{text}"),
        }
    }

    /// Asserts the error's position and message.
    fn assert_err(text: &str, line: usize, column: usize, message: &str) {
        let e = err(text);
        assert_eq!((e.line, e.column, e.message.as_str()), (line, column, message), "for:\n{text}");
    }

    /// The value at `path`: object keys, or indexes into arrays.
    fn at<'a>(value: &'a Value, path: &[&str]) -> &'a Value {
        path.iter().fold(value, |v, step| match step.parse::<usize>() {
            Ok(i) => &v.as_array().expect("an array")[i],
            Err(_) => v.get(step).unwrap_or_else(|| panic!("no `{step}`")),
        })
    }

    /// Applies the edits, checking that the result parses (to the same values
    /// for jsonc-parser).
    fn edited(text: &str, edits: &[Edit]) -> String {
        let out = apply(text, edits).unwrap();
        doc(&out);
        out
    }

    fn append_at(text: &str, path: &[&str], element: &str) -> String {
        let root = doc(text);
        edited(text, &[append_element(text, at(&root, path), element)])
    }

    fn member_at(text: &str, path: &[&str], key: &str, value: &str) -> String {
        let root = doc(text);
        edited(text, &[append_member(text, at(&root, path), key, value)])
    }

    fn remove_at(text: &str, path: &[&str], index: usize) -> String {
        let root = doc(text);
        edited(text, &remove_element(text, at(&root, path), index))
    }

    // ----- parsing valid documents -----

    #[test]
    fn parses_comments_and_trailing_commas() {
        let text = r#"// header
/* block
   comment */
{
  "name": "app", // the name
  /* before */ "main": "dist/worker.mjs",
  "build": { "watch_dir": ["a", "b",], },
  "migrations": [
    { "tag": "v1", "new_sqlite_classes": ["Counter"] },
  ],
  "empty": [ /* nothing */ ],
  "none": {},
}
// footer"#;
        let root = doc(text);
        assert_eq!(root.get("name").and_then(Value::as_str), Some("app"));
        assert_eq!(root.get("main").and_then(Value::as_str), Some("dist/worker.mjs"));
        let watch: Vec<_> =
            at(&root, &["build", "watch_dir"]).as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert_eq!(watch, ["a", "b"]);
        assert_eq!(at(&root, &["migrations", "0", "tag"]).as_str(), Some("v1"));
        assert_eq!(at(&root, &["empty"]).as_array().map(<[Value]>::len), Some(0));
        assert_eq!(at(&root, &["none"]).as_object().map(<[Member]>::len), Some(0));
        assert!(root.get("missing").is_none());
        assert!(root.get("name").unwrap().get("x").is_none());
        assert!(root.as_str().is_none() && root.as_array().is_none());
        assert_eq!(&text[root.span.clone()][..1], "{");
        assert!(text[..root.span.end].ends_with("\n}"));
    }

    #[test]
    fn spans_cover_exactly_the_value_text() {
        let text = r#" {"a": [1, "x"], "b": {"c": null}, "d": true} "#;
        let root = doc(text);
        assert_eq!(root.span, 1..text.len() - 1);
        let members = root.as_object().unwrap();
        assert_eq!(&text[members[0].key_span.clone()], r#""a""#);
        assert_eq!(&text[members[0].value.span.clone()], r#"[1, "x"]"#);
        let elements = members[0].value.as_array().unwrap();
        assert_eq!(&text[elements[0].span.clone()], "1");
        assert_eq!(&text[elements[1].span.clone()], r#""x""#);
        assert_eq!(&text[members[1].value.span.clone()], r#"{"c": null}"#);
        assert_eq!(&text[at(&root, &["b", "c"]).span.clone()], "null");
        assert_eq!(&text[members[2].value.span.clone()], "true");
        assert_eq!(members[2].value.kind, Kind::Bool(true));
    }

    #[test]
    fn decodes_strings() {
        let text = r#"["\"\\\/\b\f\n\r\t", "\u00e9\u00E9", "\ud83d\ude00", "raw é 😀 中文", "", "a\u0000b"]"#;
        let root = doc(text);
        let strings: Vec<_> = root.as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert_eq!(strings, ["\"\\/\u{8}\u{c}\n\r\t", "éé", "😀", "raw é 😀 中文", "", "a\0b"]);
        assert_eq!(&text[root.as_array().unwrap()[3].span.clone()], "\"raw é 😀 中文\"");
    }

    #[test]
    fn keeps_number_literals() {
        for number in
            ["0", "-0", "7", "-12", "1.5", "-0.25", "1e10", "2E+3", "1.0e-5", "123456789012345678901234567890"]
        {
            let text = format!("[{number}]");
            let root = doc(&text);
            let element = &root.as_array().unwrap()[0];
            assert_eq!(element.kind, Kind::Number(number.to_owned()));
            assert_eq!(element.span, 1..1 + number.len());
        }
    }

    #[test]
    fn parses_literals_and_scalars_at_top_level() {
        assert_eq!(doc("true").kind, Kind::Bool(true));
        assert_eq!(doc(" false ").kind, Kind::Bool(false));
        assert_eq!(doc("null // nothing").kind, Kind::Null);
        assert_eq!(doc("/* x */ \"s\"").as_str(), Some("s"));
        assert_eq!(doc("-1").kind, Kind::Number("-1".into()));
        assert_eq!(doc("[true,false,null]").as_array().unwrap().len(), 3);
    }

    #[test]
    fn accepts_a_byte_order_mark() {
        let text = "\u{feff}{\"a\": 1}";
        let root = doc(text);
        assert_eq!(root.span, 3..text.len());
        assert_err("\u{feff}{,}", 1, 2, "unexpected `,` before the first member of the object");
    }

    #[test]
    fn parses_nested_values() {
        let root = doc(r#"{"a": {"b": [[], [{"c": [1, [2, {"d": "deep"}]]}]]}}"#);
        assert_eq!(at(&root, &["a", "b", "1", "0", "c", "1", "1", "d"]).as_str(), Some("deep"));
        let nested = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        doc(&nested);
        let objects = format!("{}1{}", "{\"a\":".repeat(MAX_DEPTH), "}".repeat(MAX_DEPTH));
        doc(&objects);
    }

    #[test]
    fn same_key_in_different_objects_is_fine() {
        let root = doc(r#"[{"name": "a"}, {"name": "b", "x": {"name": "c"}}]"#);
        assert_eq!(at(&root, &["1", "x", "name"]).as_str(), Some("c"));
    }

    // ----- errors -----

    #[test]
    fn error_for_missing_comma() {
        assert_err("{\n  \"a\": 1\n  \"b\": 2\n}", 3, 3, "expected `,` or `}` after an object member, found `\"`");
        assert_err("[1 2]", 1, 4, "expected `,` or `]` after an array element, found `2`");
        assert_err("[\n  \"a\"\n  \"b\"\n]", 3, 3, "expected `,` or `]` after an array element, found `\"`");
        assert_err("{\"a\": 1]", 1, 8, "expected `,` or `}` after an object member, found `]`");
    }

    #[test]
    fn error_for_unterminated_string_points_at_its_start() {
        assert_err("{\"a\": \"abc", 1, 7, "unterminated string (no closing `\"`)");
        assert_err("{\"a\": \"abc\\", 1, 7, "unterminated string (no closing `\"`)");
        assert_err(
            "{\n  \"a\": \"abc\n}",
            2,
            8,
            "unterminated string (no closing `\"` on its line; write a line break as `\\n`)",
        );
        assert_err("\"", 1, 1, "unterminated string (no closing `\"`)");
    }

    #[test]
    fn error_for_unterminated_comment_points_at_its_start() {
        assert_err("{\n  /* oops\n  \"a\": 1\n}", 2, 3, "unterminated block comment (`/*` without a closing `*/`)");
        assert_err("[1] /*/", 1, 5, "unterminated block comment (`/*` without a closing `*/`)");
        assert_err("[1 / 2]", 1, 4, "unexpected `/` (comments start with `//` or `/*`)");
        assert_err("/", 1, 1, "unexpected `/` (comments start with `//` or `/*`)");
    }

    #[test]
    fn error_for_trailing_garbage() {
        assert_err("{} x", 1, 4, "unexpected `x` after the end of the document");
        assert_err("{}\n}", 2, 1, "unexpected `}` after the end of the document");
        assert_err("[1]]", 1, 4, "unexpected `]` after the end of the document");
        assert_err("{} // fine\n{}", 2, 1, "unexpected `{` after the end of the document");
        assert_err("1 2", 1, 3, "unexpected `2` after the end of the document");
    }

    #[test]
    fn error_for_bad_literals() {
        assert_err("[tru]", 1, 2, "expected a value, found `tru`");
        assert_err("[truex]", 1, 2, "expected a value, found `truex`");
        assert_err("{\"a\": True}", 1, 7, "expected a value, found `True` (did you mean `true`?)");
        assert_err("[NULL]", 1, 2, "expected a value, found `NULL` (did you mean `null`?)");
        assert_err("[undefined]", 1, 2, "expected a value, found `undefined`");
        assert_err("['a']", 1, 2, "expected a value, found `'` (strings must be in double quotes)");
        assert_err("[é]", 1, 2, "expected a value, found `é`");
        assert_err("[+1]", 1, 2, "expected a value, found `+`");
        assert_err("[.5]", 1, 2, "expected a value, found `.`");
        assert_err("[1,\u{a0}2]", 1, 4, "expected a value, found the character U+00A0");
        let long = format!("[{}]", "x".repeat(100));
        assert_err(&long, 1, 2, &format!("expected a value, found `{}...`", "x".repeat(MAX_QUOTED_WORD)));
    }

    #[test]
    fn error_for_bad_numbers() {
        assert_err("[01]", 1, 2, "a number cannot start with `0` followed by more digits");
        assert_err("[-01]", 1, 2, "a number cannot start with `0` followed by more digits");
        assert_err("[-]", 1, 3, "expected a digit after `-`, found `]`");
        assert_err("[-x]", 1, 3, "expected a digit after `-`, found `x`");
        assert_err("[1.]", 1, 4, "expected a digit after the decimal point, found `]`");
        assert_err("[1e]", 1, 4, "expected a digit in the exponent, found `]`");
        assert_err("[1e+]", 1, 5, "expected a digit in the exponent, found `]`");
        assert_err("1.", 1, 3, "expected a digit after the decimal point, found end of file");
        assert_err("[0x10]", 1, 3, "expected `,` or `]` after an array element, found `x10`");
    }

    #[test]
    fn error_for_duplicate_keys() {
        assert_err("{\n  \"name\": \"a\",\n  \"name\": \"b\"\n}", 3, 3, "duplicate key `name` (first at line 2)");
        assert_err("{\"a\\n\": 1, \"a\\u000a\": 2}", 1, 12, "duplicate key `a\\n` (first at line 1)");
        assert_eq!(err("{\"k\": 1, \"k\": 2}").to_string(), "line 1, column 10: duplicate key `k` (first at line 1)");
    }

    #[test]
    fn error_for_empty_input() {
        assert_err("", 1, 1, "expected a value, found end of file");
        assert_err("  \n  ", 2, 3, "expected a value, found end of file");
        assert_err("// only a comment", 1, 18, "expected a value, found end of file");
        assert_err("\u{feff}", 1, 1, "expected a value, found end of file");
        assert_eq!(err("").to_string(), "line 1, column 1: expected a value, found end of file");
    }

    #[test]
    fn error_for_deep_nesting() {
        let too_deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert_err(&too_deep, 1, MAX_DEPTH + 1, "too deeply nested (more than 256 levels of arrays and objects)");
        // Far deeper than any stack would take, were it recursive without a limit.
        let e = err(&"[{\"a\":".repeat(1_000_000));
        assert!(e.message.starts_with("too deeply nested"), "{e}");
    }

    #[test]
    fn error_for_misplaced_commas_and_brackets() {
        assert_err("[,1]", 1, 2, "unexpected `,` before the first element of the array");
        assert_err("[1,,2]", 1, 4, "unexpected `,` (two commas in a row)");
        assert_err("[1,,]", 1, 4, "unexpected `,` (two commas in a row)");
        assert_err("{,}", 1, 2, "unexpected `,` before the first member of the object");
        assert_err("{\"a\": 1,,}", 1, 9, "unexpected `,` (two commas in a row)");
        assert_err("{\"a\": ]}", 1, 7, "unexpected `]`, expected a value");
        assert_err("{\"a\": ,}", 1, 7, "unexpected `,`, expected a value");
        assert_err("[}", 1, 2, "unexpected `}`, expected a value or `]`");
        assert_err("]", 1, 1, "unexpected `]`, expected a value");
        assert_err("{\"a\" 1}", 1, 6, "expected `:` after the key `a`, found `1`");
        assert_err("{\"a\"}", 1, 5, "expected `:` after the key `a`, found `}`");
        assert_err("{name: 1}", 1, 2, "expected a string key or `}`, found `name` (keys must be in double quotes)");
        assert_err("{'a': 1}", 1, 2, "expected a string key or `}`, found `'` (strings must be in double quotes)");
        assert_err("{1: 1}", 1, 2, "expected a string key or `}`, found `1` (keys must be in double quotes)");
        assert_err("{[]: 1}", 1, 2, "expected a string key or `}`, found `[`");
    }

    #[test]
    fn error_for_truncated_documents_names_the_open_bracket() {
        assert_err("[1, 2", 1, 6, "expected `,` or `]` after an array element, found end of file (the array opened at line 1, column 1 is not closed)");
        assert_err(
            "{\n  \"a\": [1,\n",
            3,
            1,
            "expected a value or `]`, found end of file (the array opened at line 2, column 8 is not closed)",
        );
        assert_err("{\"a\": 1", 1, 8, "expected `,` or `}` after an object member, found end of file (the object opened at line 1, column 1 is not closed)");
        assert_err(
            "{\"a\": 1,",
            1,
            9,
            "expected a string key or `}`, found end of file (the object opened at line 1, column 1 is not closed)",
        );
        assert_err("{\"a\":", 1, 6, "expected a value, found end of file");
        assert_err("{\"a\"", 1, 5, "expected `:` after the key `a`, found end of file");
    }

    #[test]
    fn error_for_bad_strings() {
        assert_err("\"a\tb\"", 1, 3, "control character U+0009 in a string (write it as `\\u0009`)");
        assert_err("[\"\\x\"]", 1, 3, "invalid escape `\\x` in a string");
        assert_err("[\"\\é\"]", 1, 3, "invalid escape `\\é` in a string");
        assert_err("[\"\\\n\"]", 1, 3, "invalid escape `\\` followed by a blank or control character in a string");
        assert_err("[\"\\u12\"]", 1, 3, "invalid `\\u` escape (expected four hex digits)");
        assert_err("[\"\\u12", 1, 3, "invalid `\\u` escape (expected four hex digits)");
        assert_err("[\"\\ud800\"]", 1, 3, "invalid escape `\\ud800`: unpaired UTF-16 surrogate");
        assert_err("[\"\\ud800\\u0041\"]", 1, 3, "invalid escape `\\ud800`: unpaired UTF-16 surrogate");
        assert_err("[\"\\udc00\"]", 1, 3, "invalid escape `\\udc00`: unpaired UTF-16 surrogate");
        assert_err("[\"\\ud800\\uzzzz\"]", 1, 9, "invalid `\\u` escape (expected four hex digits)");
    }

    #[test]
    fn columns_count_characters() {
        assert_err("{\"é\": 1 x}", 1, 9, "expected `,` or `}` after an object member, found `x`");
        assert_err("[\"😀\" ü]", 1, 6, "expected `,` or `]` after an array element, found `ü`");
        assert_err("// ünïcödé\r\n[1 2]", 2, 4, "expected `,` or `]` after an array element, found `2`");
    }

    #[test]
    fn line_col_of_offsets() {
        let text = "ab\r\nçd\n😀x";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 2), (1, 3));
        assert_eq!(line_col(text, 4), (2, 1));
        assert_eq!(line_col(text, 6), (2, 2)); // after the two-byte `ç`
        assert_eq!(line_col(text, 5), (2, 1)); // inside `ç`
        assert_eq!(line_col(text, 12), (3, 2));
        assert_eq!(line_col(text, 13), (3, 3));
        assert_eq!(line_col(text, 1000), (3, 3));
        assert_eq!(line_col("", 5), (1, 1));
        assert_eq!(line_col("\u{feff}x", 3), (1, 1));
    }

    /// Every prefix and every one-character deletion of a rich document parses
    /// or fails cleanly.
    #[test]
    fn never_panics_on_damaged_input() {
        let text = "\u{feff}// é 😀\n{\n  \"a\": [1, -2.5e+3, true, false, null, \"\\u00e9\\ud83d\\ude00\\n\"],\n  /* c */ \"b\": { \"c\": {}, \"d\": [] },\n}\n";
        doc(text);
        for (i, _) in text.char_indices() {
            let _ = parse(&text[..i]);
            let mut damaged = text.to_owned();
            damaged.remove(i);
            let _ = parse(&damaged);
        }
        for garbage in ["\u{0}", "\"\\u", "\"\\ud83d\\u", "{\"a\"", "[-", "1e", "/*", "//", "[\"\\", "{\"\\u00"] {
            let _ = parse(garbage);
        }
    }

    // ----- apply and replace_value -----

    #[test]
    fn apply_in_any_order() {
        let text = "0123456789";
        let edits = [
            Edit { range: 8..9, text: "E".into() },
            Edit { range: 0..0, text: "<".into() },
            Edit { range: 2..5, text: String::new() },
            Edit { range: 10..10, text: ">".into() },
            Edit { range: 0..0, text: "(".into() },
        ];
        assert_eq!(apply(text, &edits).unwrap(), "<(01567E9>");
        assert_eq!(apply(text, &[]).unwrap(), text);
    }

    #[test]
    fn apply_rejects_bad_edits() {
        let text = "aé";
        let edit = |range: Range<usize>| Edit { range, text: "x".into() };
        assert_eq!(apply(text, &[edit(1..3), edit(0..3)]), Err("edits 0..3 and 1..3 overlap".into()));
        assert_eq!(apply(text, &[edit(0..3), edit(1..1)]), Err("edits 0..3 and 1..1 overlap".into()));
        assert_eq!(apply(text, &[edit(0..4)]), Err("edit 0..4 is outside the text (length 3)".into()));
        #[allow(clippy::reversed_empty_ranges)]
        let reversed = edit(2..1);
        assert!(apply(text, &[reversed]).is_err());
        assert_eq!(apply(text, &[edit(2..2)]), Err("edit 2..2 splits a character".into()));
        assert_eq!(apply(text, &[edit(0..1), edit(1..1), edit(1..3)]).unwrap(), "xxx");
    }

    #[test]
    fn replaces_a_value() {
        let text = "{\n  \"name\": \"old\", // keep\n  \"n\": 1\n}";
        let root = doc(text);
        let edits = [replace_value(root.get("name").unwrap(), "\"new\""), replace_value(root.get("n").unwrap(), "[2]")];
        assert_eq!(edited(text, &edits), "{\n  \"name\": \"new\", // keep\n  \"n\": [2]\n}");
    }

    // ----- appending -----

    #[test]
    fn appends_to_a_single_line_array() {
        assert_eq!(append_at(r#"{ "w": ["a", "b"] }"#, &["w"], r#""c""#), r#"{ "w": ["a", "b", "c"] }"#);
        assert_eq!(append_at(r#"{ "w": [ "a" ] }"#, &["w"], r#""c""#), r#"{ "w": [ "a", "c" ] }"#);
        assert_eq!(append_at(r#"["a"]"#, &[], "  \"c\"\n"), r#"["a", "c"]"#);
        // Several elements on the last line of a multi-line array.
        assert_eq!(append_at("[\n  1, 2\n]", &[], "3"), "[\n  1, 2, 3\n]");
    }

    #[test]
    fn appends_after_a_trailing_comma_on_one_line() {
        assert_eq!(append_at(r#"{ "w": ["a", "b",] }"#, &["w"], r#""c""#), r#"{ "w": ["a", "b", "c"] }"#);
        assert_eq!(append_at(r#"["a", ]"#, &[], r#""c""#), r#"["a", "c" ]"#);
    }

    #[test]
    fn appends_to_a_single_line_object() {
        let text = r#"{ "build": { "command": "x" } }"#;
        assert_eq!(
            member_at(text, &["build"], "watch", r#"["src"]"#),
            r#"{ "build": { "command": "x", "watch": ["src"] } }"#
        );
        assert_eq!(member_at(r#"{"a":1}"#, &[], "b", "2"), r#"{"a":1, "b": 2}"#);
    }

    #[test]
    fn appends_to_an_empty_array_at_the_end_of_a_line() {
        let text = "{\n  \"migrations\": []\n}";
        assert_eq!(
            append_at(text, &["migrations"], r#"{ "tag": "v1" }"#),
            "{\n  \"migrations\": [\n    { \"tag\": \"v1\" }\n  ]\n}"
        );
        let text = "{\n  \"a\": [ ], // note\n  \"b\": 1\n}";
        assert_eq!(append_at(text, &["a"], r#""x""#), "{\n  \"a\": [\n    \"x\"\n  ], // note\n  \"b\": 1\n}");
        let text = "{\n  \"a\": [\n\n  ]\n}";
        assert_eq!(append_at(text, &["a"], "1"), "{\n  \"a\": [\n    1\n  ]\n}");
    }

    #[test]
    fn appends_to_an_empty_array_with_comments() {
        let text = "{\n  \"migrations\": [\n    // none yet\n  ]\n}";
        assert_eq!(
            append_at(text, &["migrations"], r#"{ "tag": "v1" }"#),
            "{\n  \"migrations\": [\n    // none yet\n    { \"tag\": \"v1\" }\n  ]\n}"
        );
        let text = "{\n  \"a\": [ /* none */ ]\n}";
        assert_eq!(append_at(text, &["a"], r#""x""#), "{\n  \"a\": [ /* none */\n    \"x\"\n  ]\n}");
        let text = "{\n  \"a\": [ // none\n  ]\n}";
        assert_eq!(append_at(text, &["a"], r#""x""#), "{\n  \"a\": [ // none\n    \"x\"\n  ]\n}");
        let text = "[{ \"a\": [/* none */], \"b\": 1 }]";
        assert_eq!(append_at(text, &["0", "a"], r#""x""#), "[{ \"a\": [/* none */ \"x\"], \"b\": 1 }]");
    }

    #[test]
    fn appends_to_an_empty_container_inside_a_line() {
        let text = "[\n  { \"tag\": \"v1\", \"new_sqlite_classes\": [] }\n]";
        assert_eq!(
            append_at(text, &["0", "new_sqlite_classes"], r#""A""#),
            "[\n  { \"tag\": \"v1\", \"new_sqlite_classes\": [\"A\"] }\n]"
        );
        assert_eq!(member_at("[{}, 1]", &["0"], "a", "1"), "[{ \"a\": 1 }, 1]");
        assert_eq!(member_at("[{ }, 1]", &["0"], "a", "1"), "[{ \"a\": 1 }, 1]");
        // A multi-line element makes it multi-line anyway.
        assert_eq!(append_at("[[], 1]", &["0"], "{\n  \"a\": 1\n}"), "[[\n  {\n    \"a\": 1\n  }\n], 1]");
    }

    #[test]
    fn appends_to_an_empty_document_object() {
        assert_eq!(member_at("{}", &[], "name", r#""x""#), "{\n  \"name\": \"x\"\n}");
        assert_eq!(member_at("// c\n{}\n", &[], "name", r#""x""#), "// c\n{\n  \"name\": \"x\"\n}\n");
        assert_eq!(append_at("[]", &[], "1"), "[\n  1\n]");
    }

    #[test]
    fn appends_on_a_new_line_adding_a_comma() {
        let text = "{\n  \"bindings\": [\n    { \"name\": \"A\" },\n    { \"name\": \"B\" }\n  ]\n}";
        assert_eq!(
            append_at(text, &["bindings"], r#"{ "name": "C" }"#),
            "{\n  \"bindings\": [\n    { \"name\": \"A\" },\n    { \"name\": \"B\" },\n    { \"name\": \"C\" }\n  ]\n}"
        );
        let text = "{\n  \"name\": \"app\"\n}";
        assert_eq!(member_at(text, &[], "main", r#""w.mjs""#), "{\n  \"name\": \"app\",\n  \"main\": \"w.mjs\"\n}");
        // A single element on its own line.
        assert_eq!(append_at("[\n  1\n]", &[], "2"), "[\n  1,\n  2\n]");
        // The closing bracket on the last element's line stays after the new one.
        assert_eq!(append_at("[\n  1,\n  2 ]", &[], "3"), "[\n  1,\n  2,\n  3 ]");
    }

    #[test]
    fn appends_keeping_the_trailing_comma_style() {
        let text = "{\n  \"bindings\": [\n    { \"name\": \"A\" },\n    { \"name\": \"B\" },\n  ],\n}";
        assert_eq!(
            append_at(text, &["bindings"], r#"{ "name": "C" }"#),
            "{\n  \"bindings\": [\n    { \"name\": \"A\" },\n    { \"name\": \"B\" },\n    { \"name\": \"C\" },\n  ],\n}"
        );
        assert_eq!(member_at("{\n  \"a\": 1,\n}", &[], "b", "2"), "{\n  \"a\": 1,\n  \"b\": 2,\n}");
        // A trailing comma on a later line is left where it is, after the new element.
        assert_eq!(append_at("[\n  1\n  ,\n]", &[], "2"), "[\n  1,\n  2\n  ,\n]");
    }

    #[test]
    fn appends_after_a_comment_on_the_last_line() {
        assert_eq!(
            append_at("[\n  \"a\",\n  \"b\" // the second\n]", &[], r#""c""#),
            "[\n  \"a\",\n  \"b\", // the second\n  \"c\"\n]"
        );
        assert_eq!(
            append_at("[\n  \"a\",\n  \"b\", // second\n]", &[], r#""c""#),
            "[\n  \"a\",\n  \"b\", // second\n  \"c\",\n]"
        );
        assert_eq!(
            append_at("[\n  \"a\",\n  \"b\" /* two */\n]", &[], r#""c""#),
            "[\n  \"a\",\n  \"b\", /* two */\n  \"c\"\n]"
        );
        assert_eq!(
            append_at("[\n  \"a\",\n  \"b\" /* 2 */ // two\n]", &[], r#""c""#),
            "[\n  \"a\",\n  \"b\", /* 2 */ // two\n  \"c\"\n]"
        );
    }

    #[test]
    fn appends_keeping_comments_between_and_after_elements() {
        let text = "[\n  { \"tag\": \"v1\" },\n  // v2 follows\n  { \"tag\": \"v2\" }\n  // end\n]";
        assert_eq!(
            append_at(text, &[], r#"{ "tag": "v3" }"#),
            "[\n  { \"tag\": \"v1\" },\n  // v2 follows\n  { \"tag\": \"v2\" },\n  { \"tag\": \"v3\" }\n  // end\n]"
        );
    }

    #[test]
    fn appends_multi_line_elements_indented() {
        let text = "{\n  \"migrations\": [\n    { \"tag\": \"v1\" }\n  ]\n}";
        let element = "{\n  \"tag\": \"v2\",\n\n  \"new_sqlite_classes\": [\"A\"]\n}";
        assert_eq!(
            append_at(text, &["migrations"], element),
            "{\n  \"migrations\": [\n    { \"tag\": \"v1\" },\n    {\n      \"tag\": \"v2\",\n\n      \"new_sqlite_classes\": [\"A\"]\n    }\n  ]\n}"
        );
        let text = "{\n  \"name\": \"app\"\n}";
        assert_eq!(
            member_at(text, &[], "durable_objects", "{\n  \"bindings\": []\n}"),
            "{\n  \"name\": \"app\",\n  \"durable_objects\": {\n    \"bindings\": []\n  }\n}"
        );
        assert_eq!(
            member_at("{\n  \"a\": {}\n}", &["a"], "b", "[\n  1\n]"),
            "{\n  \"a\": {\n    \"b\": [\n      1\n    ]\n  }\n}"
        );
    }

    #[test]
    fn detects_the_indentation_unit() {
        let text = "{\n\t\"name\": \"app\",\n\t\"migrations\": []\n}";
        assert_eq!(
            append_at(text, &["migrations"], "\"x\""),
            "{\n\t\"name\": \"app\",\n\t\"migrations\": [\n\t\t\"x\"\n\t]\n}"
        );
        let text = "{\n\t\"m\": [\n\t\t1\n\t]\n}";
        assert_eq!(
            append_at(text, &["m"], "{\n\t\"a\": 2\n}"),
            "{\n\t\"m\": [\n\t\t1,\n\t\t{\n\t\t\t\"a\": 2\n\t\t}\n\t]\n}"
        );
        let text = "{\n    \"a\": []\n}";
        assert_eq!(append_at(text, &["a"], "1"), "{\n    \"a\": [\n        1\n    ]\n}");
        // Lines inside block comments do not count.
        let text = "/*\n * header\n */\n{\n    \"a\": []\n}";
        assert_eq!(append_at(text, &["a"], "1"), "/*\n * header\n */\n{\n    \"a\": [\n        1\n    ]\n}");
        assert_eq!(indent_unit("{}"), "  ");
        assert_eq!(indent_unit("{\n   \"a\": [\n      1\n   ]\n}"), "   ");
    }

    #[test]
    fn keeps_crlf_line_endings() {
        let text = "{\r\n  \"a\": [\r\n    1\r\n  ],\r\n  \"b\": []\r\n}\r\n";
        assert_eq!(append_at(text, &["a"], "2"), "{\r\n  \"a\": [\r\n    1,\r\n    2\r\n  ],\r\n  \"b\": []\r\n}\r\n");
        assert_eq!(
            append_at(text, &["b"], "3"),
            "{\r\n  \"a\": [\r\n    1\r\n  ],\r\n  \"b\": [\r\n    3\r\n  ]\r\n}\r\n"
        );
        assert_eq!(
            append_at(text, &["a"], "{\n  \"x\": 1\n}"),
            "{\r\n  \"a\": [\r\n    1,\r\n    {\r\n      \"x\": 1\r\n    }\r\n  ],\r\n  \"b\": []\r\n}\r\n"
        );
        let text = "[\r\n  1 // one\r\n]";
        assert_eq!(append_at(text, &[], "{\r\n  \"x\": 1\r\n}"), "[\r\n  1, // one\r\n  {\r\n    \"x\": 1\r\n  }\r\n]");
    }

    #[test]
    fn keeps_the_byte_order_mark() {
        assert_eq!(member_at("\u{feff}{\n  \"a\": 1\n}", &[], "b", "2"), "\u{feff}{\n  \"a\": 1,\n  \"b\": 2\n}");
        assert_eq!(member_at("\u{feff}{}", &[], "b", "2"), "\u{feff}{\n  \"b\": 2\n}");
        assert_eq!(append_at("\u{feff}[\n    1\n]", &[], "2"), "\u{feff}[\n    1,\n    2\n]");
    }

    #[test]
    fn quotes_member_keys() {
        let out = member_at("{}", &[], "a\"b\\c\n\u{1}é", "1");
        assert_eq!(out, "{\n  \"a\\\"b\\\\c\\n\\u0001é\": 1\n}");
        assert_eq!(doc(&out).as_object().unwrap()[0].key, "a\"b\\c\n\u{1}é");
    }

    const WRANGLER: &str = r#"// The examples, served by one worker.
{
  "name": "durable-examples",
  "durable_objects": {
    "bindings": [
      { "name": "COUNTER", "class_name": "Counter" },
      // Written in JavaScript.
      { "name": "JS_COUNTER", "class_name": "JsCounter", "script_name": "js-caller" }
    ]
  },
  "migrations": [
    { "tag": "v1", "new_sqlite_classes": ["Counter", "Location"] },
    { "tag": "v2", "new_sqlite_classes": ["Shelf"] }
  ]
}
"#;

    #[test]
    fn edits_a_wrangler_config() {
        let root = doc(WRANGLER);
        let bindings = at(&root, &["durable_objects", "bindings"]);
        let migrations = at(&root, &["migrations"]);
        let classes = at(&root, &["migrations", "1", "new_sqlite_classes"]);
        let edits = [
            append_element(WRANGLER, bindings, r#"{ "name": "NOTES", "class_name": "Notes" }"#),
            append_element(WRANGLER, migrations, r#"{ "tag": "v3", "new_sqlite_classes": ["Notes"] }"#),
            append_element(WRANGLER, classes, r#""Extra""#),
            replace_value(root.get("name").unwrap(), r#""renamed""#),
        ];
        let expected = r#"// The examples, served by one worker.
{
  "name": "renamed",
  "durable_objects": {
    "bindings": [
      { "name": "COUNTER", "class_name": "Counter" },
      // Written in JavaScript.
      { "name": "JS_COUNTER", "class_name": "JsCounter", "script_name": "js-caller" },
      { "name": "NOTES", "class_name": "Notes" }
    ]
  },
  "migrations": [
    { "tag": "v1", "new_sqlite_classes": ["Counter", "Location"] },
    { "tag": "v2", "new_sqlite_classes": ["Shelf", "Extra"] },
    { "tag": "v3", "new_sqlite_classes": ["Notes"] }
  ]
}
"#;
        assert_eq!(edited(WRANGLER, &edits), expected);
    }

    #[test]
    fn adds_durable_objects_to_a_minimal_config() {
        let text = "{\n  \"name\": \"app\", // mine\n  \"main\": \"dist/worker.mjs\"\n}\n";
        let root = doc(text);
        let edits = [append_member(
            text,
            &root,
            "durable_objects",
            "{\n  \"bindings\": [\n    { \"name\": \"A\", \"class_name\": \"A\" }\n  ]\n}",
        )];
        let out = edited(text, &edits);
        assert_eq!(
            out,
            "{\n  \"name\": \"app\", // mine\n  \"main\": \"dist/worker.mjs\",\n  \"durable_objects\": {\n    \"bindings\": [\n      { \"name\": \"A\", \"class_name\": \"A\" }\n    ]\n  }\n}\n"
        );
        let root = doc(&out);
        let edits = [append_member(&out, &root, "migrations", "[]")];
        let out = edited(&out, &edits);
        assert!(out.ends_with("    ]\n  },\n  \"migrations\": []\n}\n"), "{out}");
        assert_eq!(
            append_at(&out, &["migrations"], r#"{ "tag": "v1", "new_sqlite_classes": ["A"] }"#),
            "{\n  \"name\": \"app\", // mine\n  \"main\": \"dist/worker.mjs\",\n  \"durable_objects\": {\n    \"bindings\": [\n      { \"name\": \"A\", \"class_name\": \"A\" }\n    ]\n  },\n  \"migrations\": [\n    { \"tag\": \"v1\", \"new_sqlite_classes\": [\"A\"] }\n  ]\n}\n"
        );
    }

    #[test]
    fn appending_to_something_else_does_nothing() {
        let text = "{\"a\": 1, \"b\": [1]}";
        let root = doc(text);
        let a = root.get("a").unwrap();
        assert_eq!(append_element(text, a, "2"), Edit { range: 7..7, text: String::new() });
        assert_eq!(append_element(text, &root, "2").text, "");
        assert_eq!(append_member(text, root.get("b").unwrap(), "k", "2").text, "");
        // A value parsed from another text must not make it panic.
        let other = "[\n  1,\n  2,\n  3\n]";
        let foreign = doc(other);
        let edit = append_element(text, &foreign, "4");
        assert!(edit.text.is_empty());
        assert!(remove_element(text, &foreign, 0).is_empty());
        let short = "[1]";
        let _ = apply(short, &[append_element(short, &foreign, "4")]);
        let _ = apply(short, &remove_element(short, &foreign, 2));
    }

    // ----- removing -----

    #[test]
    fn removes_an_element_on_its_own_line() {
        let text = "[\n  \"a\",\n  \"b\", // two\n  \"c\"\n]";
        assert_eq!(remove_at(text, &[], 0), "[\n  \"b\", // two\n  \"c\"\n]");
        assert_eq!(remove_at(text, &[], 1), "[\n  \"a\",\n  \"c\"\n]");
        assert_eq!(remove_at(text, &[], 2), "[\n  \"a\",\n  \"b\" // two\n]");
    }

    #[test]
    fn removes_the_last_element_keeping_the_trailing_comma_style() {
        let text = "[\n  \"a\",\n  \"b\",\n]";
        assert_eq!(remove_at(text, &[], 1), "[\n  \"a\",\n]");
        assert_eq!(remove_at(text, &[], 0), "[\n  \"b\",\n]");
        let text = "[\n  \"a\",\n  \"b\" // last\n]";
        assert_eq!(remove_at(text, &[], 1), "[\n  \"a\"\n]");
    }

    #[test]
    fn removes_multi_line_elements() {
        let text = "[\n  {\n    \"tag\": \"v1\"\n  },\n  {\n    \"tag\": \"v2\"\n  } // second\n]";
        assert_eq!(remove_at(text, &[], 0), "[\n  {\n    \"tag\": \"v2\"\n  } // second\n]");
        assert_eq!(remove_at(text, &[], 1), "[\n  {\n    \"tag\": \"v1\"\n  }\n]");
    }

    #[test]
    fn removing_keeps_comments_on_other_lines() {
        let text = "[\n  { \"tag\": \"v1\" },\n  // v2 follows\n  { \"tag\": \"v2\" }\n  // end\n]";
        assert_eq!(remove_at(text, &[], 1), "[\n  { \"tag\": \"v1\" }\n  // v2 follows\n  // end\n]");
        assert_eq!(remove_at(text, &[], 0), "[\n  // v2 follows\n  { \"tag\": \"v2\" }\n  // end\n]");
    }

    #[test]
    fn removes_the_only_element() {
        assert_eq!(remove_at("{\n  \"a\": [\n    \"x\"\n  ]\n}", &["a"], 0), "{\n  \"a\": []\n}");
        assert_eq!(remove_at("{\n  \"a\": [\n    \"x\", // why\n  ]\n}", &["a"], 0), "{\n  \"a\": []\n}");
        assert_eq!(remove_at("[\n  // keep\n  \"x\"\n]", &[], 0), "[\n  // keep\n]");
        assert_eq!(remove_at("[\"A\"]", &[], 0), "[]");
        assert_eq!(remove_at("[ \"A\" ]", &[], 0), "[]");
        assert_eq!(remove_at("[\"A\",]", &[], 0), "[]");
        assert_eq!(remove_at("[ /* k */ \"A\" ]", &[], 0), "[ /* k */  ]");
        assert_eq!(remove_at("{\"a\": 1}", &[], 0), "{}");
    }

    #[test]
    fn removes_from_a_single_line_array() {
        let text = r#"["A", "B", "C"]"#;
        assert_eq!(remove_at(text, &[], 0), r#"["B", "C"]"#);
        assert_eq!(remove_at(text, &[], 1), r#"["A", "C"]"#);
        assert_eq!(remove_at(text, &[], 2), r#"["A", "B"]"#);
        assert_eq!(remove_at(r#"["A","B"]"#, &[], 0), r#"["B"]"#);
        assert_eq!(remove_at(r#"["A","B"]"#, &[], 1), r#"["A"]"#);
        assert_eq!(remove_at(r#"["A", "B",]"#, &[], 1), r#"["A",]"#);
        assert_eq!(remove_at(r#"["A", "B",]"#, &[], 0), r#"["B",]"#);
        let text = "[\n  { \"tag\": \"v1\", \"new_sqlite_classes\": [\"A\", \"B\"] }\n]";
        assert_eq!(
            remove_at(text, &["0", "new_sqlite_classes"], 0),
            "[\n  { \"tag\": \"v1\", \"new_sqlite_classes\": [\"B\"] }\n]"
        );
    }

    #[test]
    fn removes_from_a_line_holding_several_elements() {
        let text = "[\n  \"a\", \"b\",\n  \"c\"\n]";
        assert_eq!(remove_at(text, &[], 0), "[\n  \"b\",\n  \"c\"\n]");
        assert_eq!(remove_at(text, &[], 1), "[\n  \"a\",\n  \"c\"\n]");
        assert_eq!(remove_at(text, &[], 2), "[\n  \"a\", \"b\"\n]");
    }

    #[test]
    fn removes_with_crlf_line_endings() {
        let text = "[\r\n  \"a\",\r\n  \"b\" // b\r\n]\r\n";
        assert_eq!(remove_at(text, &[], 1), "[\r\n  \"a\"\r\n]\r\n");
        assert_eq!(remove_at(text, &[], 0), "[\r\n  \"b\" // b\r\n]\r\n");
    }

    #[test]
    fn removes_object_members() {
        let text = "{\n  \"a\": 1,\n  \"b\": {\n    \"c\": 2\n  }\n}";
        assert_eq!(remove_at(text, &[], 1), "{\n  \"a\": 1\n}");
        assert_eq!(remove_at(text, &[], 0), "{\n  \"b\": {\n    \"c\": 2\n  }\n}");
    }

    #[test]
    fn removing_out_of_range_does_nothing() {
        let text = "{\"a\": [1]}";
        let root = doc(text);
        assert!(remove_element(text, root.get("a").unwrap(), 1).is_empty());
        assert!(remove_element(text, &root.get("a").unwrap().as_array().unwrap()[0], 0).is_empty());
    }

    #[test]
    fn removing_then_appending_round_trips() {
        let text = "{\n  \"migrations\": [\n    { \"tag\": \"v1\" },\n    { \"tag\": \"v2\" }\n  ]\n}\n";
        let out = remove_at(text, &["migrations"], 1);
        assert_eq!(append_at(&out, &["migrations"], r#"{ "tag": "v2" }"#), text);
    }

    /// Every removal and append on every container of varied documents gives
    /// a document that parses.
    #[test]
    fn every_edit_keeps_documents_valid() {
        let documents = [
            WRANGLER,
            "[\n  1, 2 // x\n  , 3\n  /* y */ , 4 /* z */\n  ,\n]",
            "{ \"a\" : [ ] , \"b\" : { } , \"c\" : [ 1 , [ 2 ] , { \"d\" : 3 , } , ] }",
            "[\r\n\t[\r\n\t\t1,\r\n\t],\r\n\t{\r\n\t\t\"k\": [\"v\", // c\r\n\t\t\"w\"]\r\n\t}\r\n]",
            "/* a */ [ /* b */ 1 /* c */ , /* d */ 2 /* e */ ] /* f */",
            "[[[]],[{}],{\"x\":[[]]}]",
            "{\"a\":[// c\n],\"b\":{/* d */}}",
        ];
        fn walk<'a>(value: &'a Value, out: &mut Vec<&'a Value>) {
            out.push(value);
            match &value.kind {
                Kind::Array(elements) => elements.iter().for_each(|e| walk(e, out)),
                Kind::Object(members) => members.iter().for_each(|m| walk(&m.value, out)),
                _ => {}
            }
        }
        for text in documents {
            let root = doc(text);
            let mut values = Vec::new();
            walk(&root, &mut values);
            for value in values {
                let count = match &value.kind {
                    Kind::Array(elements) => {
                        edited(text, &[append_element(text, value, "{\n  \"new\": [\n    1\n  ]\n}")]);
                        edited(text, &[append_element(text, value, "7")]);
                        elements.len()
                    }
                    Kind::Object(members) => {
                        edited(text, &[append_member(text, value, "fresh key", "{\n  \"n\": 1\n}")]);
                        members.len()
                    }
                    _ => 0,
                };
                for i in 0..count {
                    let out = edited(text, &remove_element(text, value, i));
                    assert!(out.len() < text.len());
                }
            }
        }
    }
}
