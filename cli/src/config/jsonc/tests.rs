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
