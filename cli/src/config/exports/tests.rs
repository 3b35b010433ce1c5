use super::*;
use crate::config::generate::{self, Declared};

fn converted(text: &str) -> Conversion {
    convert(text).unwrap_or_else(|p| panic!("{:?}", p.messages()))
}

fn refused(text: &str) -> Vec<String> {
    match convert(text) {
        Ok(out) => panic!("converted:\n{}", out.text),
        Err(problems) => problems.messages(),
    }
}

/// Every line of `before` outside `from..to` (1-based, inclusive) is in
/// `after`, in order.
fn kept_outside(before: &str, after: &str, from: usize, to: usize) {
    let mut rest = after.lines();
    for (i, line) in before.lines().enumerate() {
        if (from..=to).contains(&(i + 1)) {
            continue;
        }
        assert!(rest.any(|l| l == line), "line {} `{line}` was changed or lost in:\n{after}", i + 1);
    }
}

const MIGRATED: &str = r#"// My worker.
{
  "name": "app", // the worker's name
  "durable_objects": {
    "bindings": [
      { "name": "TALLY", "class_name": "Tally" },
      { "name": "STORE", "class_name": "Store" },
      { "name": "ROOM", "class_name": "Room" }
    ]
  },
  "migrations": [
    { "tag": "v1", "new_sqlite_classes": ["Counter", "Old"] }, // first deploy
    { "tag": "v2", "new_classes": ["Store"], "renamed_classes": [{ "from": "Counter", "to": "Count" }] },
    { "tag": "v3", "renamed_classes": [{ "from": "Count", "to": "Tally" }], "deleted_classes": ["Old"] },
    { "tag": "v4", "new_sqlite_classes": ["Room", "Temp"] },
    { "tag": "v5", "renamed_classes": [{ "from": "Temp", "to": "Scratch" }] },
    { "tag": "v6", "deleted_classes": ["Scratch"] }
  ],
  "vars": { "A": 1 }
}
"#;

#[test]
fn migrations_become_the_exports_map_of_the_same_classes() {
    let out = converted(MIGRATED);
    let expected = r#"// My worker.
{
  "name": "app", // the worker's name
  "durable_objects": {
    "bindings": [
      { "name": "TALLY", "class_name": "Tally" },
      { "name": "STORE", "class_name": "Store" },
      { "name": "ROOM", "class_name": "Room" }
    ]
  },
  "exports": {
    "Tally": { "type": "durable-object", "storage": "sqlite" },
    "Store": { "type": "durable-object", "storage": "legacy-kv" },
    "Room": { "type": "durable-object", "storage": "sqlite" },
    "Counter": { "type": "durable-object", "state": "renamed", "renamed_to": "Tally" },
    "Count": { "type": "durable-object", "state": "renamed", "renamed_to": "Tally" },
    "Old": { "type": "durable-object", "state": "deleted" },
    "Temp": { "type": "durable-object", "state": "deleted" },
    "Scratch": { "type": "durable-object", "state": "deleted" }
  },
  "vars": { "A": 1 }
}
"#;
    assert_eq!(out.text, expected);
    assert_eq!(
        out.changes,
        ["`migrations` (6 entries) -> `exports`: SQLite-backed `Tally`, `Room`; key-value-backed `Store`; `Counter` renamed to `Tally`, \
              `Count` renamed to `Tally`; deleted `Old`, `Temp`, `Scratch`"]
    );
    assert_eq!(out.notes, ["the comments inside `migrations` (line 12) went with it"]);
    // The generator reads it as up to date for the same classes, and
    // converting again finds nothing to do.
    let class = |js: &str, storage| Declared { js: js.into(), binding: None, renamed_from: None, storage, location: None };
    let classes = [class("Tally", Storage::Sqlite), class("Store", Storage::Kv), class("Room", Storage::Sqlite)];
    assert_eq!(generate::generate(&out.text, &classes, &generate::Options::default()).unwrap().text, out.text);
    let again = converted(&out.text);
    assert_eq!(again.text, out.text);
    assert!(again.notes[0].contains("already declares its Durable Objects in `exports`"), "{:?}", again.notes);
}

#[test]
fn a_name_used_again_is_live_not_a_tombstone() {
    let text = r#"{ "migrations": [
  { "tag": "v1", "new_sqlite_classes": ["A", "B"] },
  { "tag": "v2", "renamed_classes": [{ "from": "A", "to": "C" }], "deleted_classes": ["B"] },
  { "tag": "v3", "new_sqlite_classes": ["A", "B"] }
] }"#;
    let parsed = jsonc::parse(&converted(text).text).unwrap();
    let exports = parsed.get("exports").unwrap();
    let mut problems = Problems::default();
    let map = read(&converted(text).text, exports, &mut problems).unwrap();
    let states: Vec<(&str, &State)> = map.entries.iter().map(|(k, e)| (k.as_str(), &e.state)).collect();
    let sqlite = State::Created { storage: Storage::Sqlite };
    assert_eq!(states, [("A", &sqlite), ("B", &sqlite), ("C", &sqlite)]);
}

#[test]
fn the_repositorys_own_config_converts_and_stays_up_to_date() {
    let text = include_str!("../../../../wrangler.jsonc");
    let out = converted(text);
    let parsed = jsonc::parse(&out.text).unwrap();
    assert!(parsed.get("migrations").is_none());
    let start = text.lines().position(|l| l.contains("\"migrations\"")).unwrap() + 1;
    let end = start + text.lines().skip(start).position(|l| l.trim_start().starts_with(']')).unwrap() + 1;
    kept_outside(text, &out.text, start, end);
    // The same classes, each bound, so the generator has nothing to do.
    let mut classes = Vec::new();
    for binding in parsed.get("durable_objects").unwrap().get("bindings").unwrap().as_array().unwrap() {
        if binding.get("script_name").is_some() {
            continue;
        }
        let name = binding.get("name").unwrap().as_str().unwrap();
        let js = binding.get("class_name").unwrap().as_str().unwrap();
        let binding = (generate::screaming_snake(js) != name).then(|| name.to_owned());
        classes.push(Declared { js: js.into(), binding, renamed_from: None, storage: Storage::Sqlite, location: None });
    }
    let outcome = generate::generate(&out.text, &classes, &generate::Options::default()).unwrap();
    assert_eq!(outcome.text, out.text);
    assert_eq!(outcome.lifecycle, "exports");
    let entries = parsed.get("exports").unwrap().as_object().unwrap();
    assert_eq!(entries.len(), classes.len());
    assert!(out.text.contains("\n  \"exports\": {\n    \"Counter\": { \"type\": \"durable-object\", \"storage\": \"sqlite\" },\n"), "{}", out.text);
}

#[test]
fn transfers_cannot_be_said_in_exports_and_are_refused_with_the_line() {
    let text = "{\n  \"migrations\": [\n    { \"tag\": \"v1\", \"new_sqlite_classes\": [\"A\"] },\n    { \"tag\": \"v2\", \"transferred_classes\": [{ \"from\": \"X\", \"from_script\": \"other\", \"to\": \"T\" }] }\n  ]\n}";
    let errors = refused(text);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("line 4, column 44: `T` came from another script by `transferred_classes`: `exports` cannot say that"), "{errors:?}");
    assert!(errors[0].ends_with("This config stays on `migrations`"), "{errors:?}");
}

#[test]
fn a_broken_history_or_both_forms_are_refused() {
    let errors = refused("{ \"migrations\": [{ \"tag\": \"v1\", \"deleted_classes\": [\"Ghost\"] }] }");
    assert!(errors[0].contains("deletes `Ghost`, which does not exist"), "{errors:?}");
    let errors = refused("{ \"name\": \"app\" }");
    assert!(errors[0].contains("no `migrations` to convert"), "{errors:?}");
    let errors = refused(
        "{ \"migrations\": [{ \"tag\": \"v1\", \"new_sqlite_classes\": [\"A\"] }],\n  \"exports\": { \"A\": { \"type\": \"durable-object\", \"storage\": \"sqlite\" } } }",
    );
    assert!(errors[0].starts_with("line 2, column 3: `migrations` and `exports` both declare Durable Objects"), "{errors:?}");
    let errors = refused("{\n  \"migrations\": [\n    { \"tag\": \"v1\", \"new_sqlite_classes\": [\"A\"] }\n    { \"tag\": \"v2\" }\n  ]\n}");
    assert!(errors[0].starts_with("line 4, column 5: not valid JSONC"), "{errors:?}");
}

#[test]
fn environments_with_their_own_migrations_convert_too() {
    let text = "{\n\t\"migrations\": [\n\t\t{\n\t\t\t\"tag\": \"v1\",\n\t\t\t\"new_sqlite_classes\": [\"A\"]\n\t\t}\n\t],\n\t\"env\": {\n\t\t\"eu\": {\n\t\t\t\"migrations\": [{ \"tag\": \"eu1\", \"new_classes\": [\"A\"] }]\n\t\t},\n\t\t\"staging\": {}\n\t}\n}\n";
    let out = converted(text);
    assert_eq!(
        out.text,
        "{\n\t\"exports\": {\n\t\t\"A\": {\n\t\t\t\"type\": \"durable-object\",\n\t\t\t\"storage\": \"sqlite\"\n\t\t}\n\t},\n\t\"env\": {\n\t\t\"eu\": {\n\t\t\t\"exports\": {\n\t\t\t\t\"A\": { \"type\": \"durable-object\", \"storage\": \"legacy-kv\" }\n\t\t\t}\n\t\t},\n\t\t\"staging\": {}\n\t}\n}\n"
    );
    assert_eq!(out.changes.len(), 2);
    assert!(out.changes[1].starts_with("`migrations` (env.eu) (1 entry) -> `exports`"), "{:?}", out.changes);
}

#[test]
fn classes_join_an_exports_map_of_other_kinds_and_line_endings_stay() {
    let text = "{\r\n  \"exports\": {\r\n    \"Jobs\": { \"type\": \"workflow\", \"name\": \"jobs\" }\r\n  },\r\n  \"migrations\": [\r\n    { \"tag\": \"v1\", \"new_sqlite_classes\": [\"A\"] }\r\n  ]\r\n}\r\n";
    let out = converted(text);
    assert_eq!(
        out.text,
        "{\r\n  \"exports\": {\r\n    \"Jobs\": { \"type\": \"workflow\", \"name\": \"jobs\" },\r\n    \"A\": { \"type\": \"durable-object\", \"storage\": \"sqlite\" }\r\n  }\r\n}\r\n"
    );
}

#[test]
fn an_empty_history_converts_to_an_empty_map() {
    assert_eq!(converted("{ \"name\": \"app\", \"migrations\": [] }").text, "{ \"name\": \"app\", \"exports\": {} }");
}

#[test]
fn entry_texts() {
    let renamed = State::Renamed { to: "B".into() };
    assert_eq!(entry_text(&renamed, None, true, "  "), r#"{ "type": "durable-object", "state": "renamed", "renamed_to": "B" }"#);
    let created = State::Created { storage: Storage::Kv };
    assert_eq!(entry_text(&created, Some("box"), false, "\t"), "{\n\t\"type\": \"durable-object\",\n\t\"storage\": \"legacy-kv\",\n\t\"container\": \"box\"\n}");
    assert_eq!(entry_text(&State::Deleted, Some("box"), true, "  "), r#"{ "type": "durable-object", "state": "deleted" }"#);
}
