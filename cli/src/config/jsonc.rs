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
mod tests;
