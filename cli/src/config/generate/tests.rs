use super::*;

fn class(js: &str) -> Declared {
    Declared { js: js.into(), binding: None, renamed_from: None, storage: Storage::Sqlite, location: None }
}

fn run(text: &str, declared: &[Declared]) -> Result<Outcome, Vec<String>> {
    generate(text, declared, &Options::default()).map_err(|p| p.messages())
}

fn run_deleting(text: &str, declared: &[Declared], delete: &[&str]) -> Result<Outcome, Vec<String>> {
    let options = Options { delete: delete.iter().map(|s| s.to_string()).collect(), ..Options::default() };
    generate(text, declared, &options).map_err(|p| p.messages())
}

/// A config in the style people write: comments, one-line entries.
const PROJECT: &str = r#"// My worker.
{
  "name": "app", // the worker's name
  "main": "dist/worker.mjs",
  "durable_objects": {
    "bindings": [
      { "name": "COUNTER", "class_name": "Counter" },
      /* the legacy store */
      { "name": "STORE", "class_name": "Store" },
      { "name": "REMOTE", "class_name": "Elsewhere", "script_name": "other" }
    ]
  },
  "migrations": [
    { "tag": "v1", "new_sqlite_classes": ["Counter"] }, // first deploy
    { "tag": "v2", "new_classes": ["Store"] }
  ]
}
"#;

fn project_classes() -> Vec<Declared> {
    vec![class("Counter"), Declared { storage: Storage::Kv, ..class("Store") }]
}

/// Every line of `before` is in `after`, in order: nothing was edited or
/// dropped, only added (a separating comma aside).
fn only_added(before: &str, after: &str) {
    let mut rest = after.lines();
    for line in before.lines() {
        assert!(rest.any(|l| l == line || l.replace("},", "}") == line), "line `{line}` was changed or lost in:\n{after}");
    }
}

#[test]
fn an_up_to_date_config_is_left_alone() {
    let out = run(PROJECT, &project_classes()).unwrap();
    assert_eq!(out.text, PROJECT);
    assert!(out.changes.is_empty());
}

#[test]
fn a_new_class_gets_a_binding_and_a_migration_and_comments_stay() {
    let mut classes = project_classes();
    classes.push(class("ChatRoom"));
    let out = run(PROJECT, &classes).unwrap();
    only_added(PROJECT, &out.text);
    assert!(out.text.contains(
        "      { \"name\": \"REMOTE\", \"class_name\": \"Elsewhere\", \"script_name\": \"other\" },\n      { \"name\": \"CHAT_ROOM\", \"class_name\": \"ChatRoom\" }\n    ]"
    ), "{}", out.text);
    assert!(out.text.contains(
        "    { \"tag\": \"v2\", \"new_classes\": [\"Store\"] },\n    { \"tag\": \"v3\", \"new_sqlite_classes\": [\"ChatRoom\"] }\n  ]"
    ), "{}", out.text);
    assert_eq!(out.changes, ["binding `CHAT_ROOM` -> class `ChatRoom`", "migration `v3`: new SQLite-backed `ChatRoom`"]);
    // Running again changes nothing.
    let again = run(&out.text, &classes).unwrap();
    assert_eq!(again.text, out.text);
    assert!(again.changes.is_empty());
}

#[test]
fn a_config_with_neither_form_gets_bindings_and_exports() {
    let text = "{\n  \"name\": \"app\"\n}\n";
    let out = run(text, &[class("Counter"), Declared { binding: Some("ROOMS".into()), ..class("Room") }]).unwrap();
    assert_eq!(
        out.text,
        r#"{
  "name": "app",
  "durable_objects": {
    "bindings": [
      { "name": "COUNTER", "class_name": "Counter" },
      { "name": "ROOMS", "class_name": "Room" }
    ]
  },
  "exports": {
    "Counter": { "type": "durable-object", "storage": "sqlite" },
    "Room": { "type": "durable-object", "storage": "sqlite" }
  }
}
"#
    );
    assert_eq!(out.lifecycle, "exports");
    assert_eq!(out.changes[2], "exports: new SQLite-backed `Counter`; new SQLite-backed `Room`");
}

#[test]
fn an_empty_migrations_array_keeps_the_config_on_migrations() {
    let text = "{\n  \"name\": \"app\",\n  \"migrations\": []\n}\n";
    let out = run(text, &[class("Counter")]).unwrap();
    assert!(out.text.contains("  \"migrations\": [\n    { \"tag\": \"v1\", \"new_sqlite_classes\": [\"Counter\"] }\n  ],"), "{}", out.text);
    assert!(!out.text.contains("exports"), "{}", out.text);
    assert_eq!(out.lifecycle, "migrations");
}

#[test]
fn a_new_key_value_class_is_refused_with_the_reason_and_an_existing_one_keeps_working() {
    let kv = |name: &str| Declared { storage: Storage::Kv, location: Some("src/lib.rs:3".into()), ..class(name) };
    for text in ["{ \"name\": \"app\", \"migrations\": [] }", "{ \"name\": \"app\" }"] {
        let errors = run(text, &[kv("Old")]).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].starts_with("`Old` (src/lib.rs:3) is a new class declared `storage = \"kv\"`"), "{errors:?}");
        assert!(errors[0].contains("Since July 2026, Cloudflare accounts that have no key-value-backed Durable Object namespace cannot create new ones"), "{errors:?}");
    }
    // `Store` is key-value-backed already (PROJECT's v2): it stays, and may be renamed.
    assert_eq!(run(PROJECT, &project_classes()).unwrap().text, PROJECT);
    let renamed = [class("Counter"), Declared { renamed_from: Some("Store".into()), ..kv("Shop") }];
    assert!(run(PROJECT, &renamed).unwrap().text.contains(r#"{ "tag": "v3", "renamed_classes": [{ "from": "Store", "to": "Shop" }] }"#));
    let exports = r#"{ "durable_objects": { "bindings": [{ "name": "STORE", "class_name": "Store" }] }, "exports": { "Store": { "type": "durable-object", "storage": "legacy-kv" } } }"#;
    assert_eq!(run(exports, &[kv("Store")]).unwrap().text, exports);
    let out = run(exports, &[Declared { renamed_from: Some("Store".into()), ..kv("Shop") }]).unwrap();
    assert!(out.text.contains(r#""Shop": { "type": "durable-object", "storage": "legacy-kv" }"#), "{}", out.text);
}

#[test]
fn a_rename_moves_the_binding_and_writes_renamed_classes() {
    let classes = vec![Declared { renamed_from: Some("Counter".into()), ..class("Tally") }, Declared { storage: Storage::Kv, ..class("Store") }];
    let out = run(PROJECT, &classes).unwrap();
    assert!(out.text.contains(r#"{ "name": "COUNTER", "class_name": "Tally" }"#), "{}", out.text);
    assert!(out.text.contains(r#"{ "tag": "v3", "renamed_classes": [{ "from": "Counter", "to": "Tally" }] }"#), "{}", out.text);
    assert!(out.text.contains("// first deploy") && out.text.contains("/* the legacy store */"));
    // Applied once; the attribute can stay.
    assert_eq!(run(&out.text, &classes).unwrap().text, out.text);
}

#[test]
fn a_rename_from_a_class_that_never_existed_is_refused() {
    let ghost = Declared { renamed_from: Some("Ghost".into()), location: Some("src/room.rs:7".into()), ..class("Room") };
    let classes = vec![class("Counter"), Declared { storage: Storage::Kv, ..class("Store") }, ghost];
    let errors = run(PROJECT, &classes).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert!(errors[0].contains("`Room` (src/room.rs:7) is declared `renamed_from = \"Ghost\"`, but there is no class `Ghost` to rename"), "{errors:?}");
}

#[test]
fn a_removed_class_is_refused_without_delete() {
    let errors = run(PROJECT, &[class("Counter")]).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("line 15, column 1: class `Store` exists (migration `v2`) but the code no longer declares it"), "{errors:?}");
    assert!(errors[0].contains("renamed_from = \"Store\"") && errors[0].contains("durable config --delete Store"), "{errors:?}");
    assert!(errors[0].contains("destroys every `Store` object and all of its stored data"), "{errors:?}");
}

#[test]
fn delete_writes_deleted_classes_removes_the_binding_and_warns() {
    let out = run_deleting(PROJECT, &[class("Counter")], &["Store"]).unwrap();
    assert!(!out.text.contains("\"STORE\""), "{}", out.text);
    assert!(out.text.contains(r#"{ "tag": "v3", "deleted_classes": ["Store"] }"#), "{}", out.text);
    assert_eq!(out.warnings.len(), 1);
    assert!(out.warnings[0].contains("every `Store` object and all of its stored data"), "{:?}", out.warnings);
    assert!(jsonc::parse(&out.text).is_ok());
    // Again, with the same flag: nothing more to do.
    assert_eq!(run_deleting(&out.text, &[class("Counter")], &["Store"]).unwrap().text, out.text);
    // A delete of a class that never was is an error.
    let errors = run_deleting(PROJECT, &project_classes(), &["Nobody"]).unwrap_err();
    assert!(errors[0].contains("--delete Nobody: there is no class `Nobody`"), "{errors:?}");
}

#[test]
fn delete_and_add_in_one_run() {
    let out = run_deleting(PROJECT, &[class("Counter"), class("Room")], &["Store"]).unwrap();
    assert!(out.text.contains(r#"{ "tag": "v3", "new_sqlite_classes": ["Room"], "deleted_classes": ["Store"] }"#), "{}", out.text);
    assert!(out.text.contains(r#"{ "name": "ROOM", "class_name": "Room" }"#), "{}", out.text);
    assert!(!out.text.contains("\"STORE\""), "{}", out.text);
}

#[test]
fn the_storage_backend_cannot_change() {
    let errors = run(PROJECT, &[class("Counter"), class("Store")]).unwrap_err();
    assert!(errors[0].contains("`Store` is declared with SQLite (`new_sqlite_classes`) storage, but migration `v2` made `Store` a key-value"), "{errors:?}");
}

#[test]
fn malformed_json_is_reported_with_its_line() {
    let errors = run("{\n  \"name\": \"app\"\n  \"main\": \"x\"\n}", &[]).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert!(errors[0].starts_with("line 3, column 3: not valid JSONC:"), "{errors:?}");
}

#[test]
fn a_class_created_twice_is_reported_with_its_line() {
    let text = PROJECT.replace(r#"{ "tag": "v2", "new_classes": ["Store"] }"#, r#"{ "tag": "v2", "new_classes": ["Store", "Counter"] }"#);
    let errors = run(&text, &project_classes()).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("line 15, column 45: class `Counter` is created twice: migration `v1` (line 14)"), "{errors:?}");
}

#[test]
fn two_bindings_with_one_name_are_reported() {
    let text = PROJECT.replace(r#"{ "name": "STORE", "class_name": "Store" }"#, r#"{ "name": "COUNTER", "class_name": "Store" }"#);
    let errors = run(&text, &project_classes()).unwrap_err();
    assert!(errors.iter().any(|e| e.starts_with("line 9, column 7: two bindings are named `COUNTER` (the first at line 7)")), "{errors:?}");
}

#[test]
fn a_taken_default_binding_name_asks_for_the_attribute() {
    let text = PROJECT.replace(r#""name": "STORE""#, r#""name": "ROOM""#);
    let errors = run(&text, &[class("Counter"), Declared { storage: Storage::Kv, ..class("Store") }, class("Room")]).unwrap_err();
    assert!(errors[0].contains("its default name `ROOM` is taken by the binding of `Store`"), "{errors:?}");
}

#[test]
fn environments_get_bindings_and_their_own_migrations() {
    let text = r#"{
  "name": "app",
  "migrations": [
    {
      "tag": "v1",
      "new_sqlite_classes": ["Counter"]
    }
  ],
  "durable_objects": { "bindings": [{ "name": "COUNTER", "class_name": "Counter" }] },
  "env": {
    "staging": {
      "durable_objects": { "bindings": [] }
    },
    "eu": {
      "name": "app-eu",
      "migrations": [{ "tag": "eu1", "new_sqlite_classes": ["Counter"] }]
    }
  }
}"#;
    let out = run(text, &[class("Counter"), class("Room")]).unwrap();
    // Multi-line entries stay multi-line.
    assert!(out.text.contains("    {\n      \"tag\": \"v2\",\n      \"new_sqlite_classes\": [\"Room\"]\n    }\n  ],"), "{}", out.text);
    let parsed = jsonc::parse(&out.text).unwrap();
    let env = parsed.get("env").unwrap();
    let staging = env.get("staging").unwrap().get("durable_objects").unwrap().get("bindings").unwrap().as_array().unwrap();
    assert_eq!(staging.len(), 2);
    let eu = env.get("eu").unwrap();
    assert_eq!(eu.get("durable_objects").unwrap().get("bindings").unwrap().as_array().unwrap().len(), 2);
    let eu_migrations = eu.get("migrations").unwrap().as_array().unwrap();
    assert_eq!(eu_migrations[1].get("tag").unwrap().as_str(), Some("v2"));
    assert!(out.changes.iter().any(|c| c.contains("(env.eu)")), "{:?}", out.changes);
    assert_eq!(run(&out.text, &[class("Counter"), class("Room")]).unwrap().text, out.text);
}

#[test]
fn the_repositorys_own_config_takes_a_new_class_by_insertion_only() {
    let text = include_str!("../../../../wrangler.jsonc");
    let root = jsonc::parse(text).unwrap();
    let mut classes: Vec<Declared> = Vec::new();
    let bindings = root.get("durable_objects").unwrap().get("bindings").unwrap().as_array().unwrap();
    for binding in bindings.iter().filter(|b| b.get("script_name").is_none()) {
        let name = binding.get("name").unwrap().as_str().unwrap();
        let js = binding.get("class_name").unwrap().as_str().unwrap();
        let binding = (screaming_snake(js) != name).then(|| name.to_owned());
        classes.push(Declared { binding, ..class(js) });
    }
    assert_eq!(run(text, &classes).unwrap().text, text, "the repository's config is up to date");
    classes.push(class("Auditor"));
    let out = run(text, &classes).unwrap();
    only_added(text, &out.text);
    assert_eq!(out.text.lines().count(), text.lines().count() + 2);
    assert!(out.text.contains("\"new_sqlite_classes\": [\"Auditor\"] }"), "{}", out.text);
}

#[test]
fn windows_line_endings_and_tabs_are_kept() {
    let text = "{\r\n\t\"name\": \"app\",\r\n\t\"migrations\": [\r\n\t\t{\r\n\t\t\t\"tag\": \"v1\",\r\n\t\t\t\"new_sqlite_classes\": [\"A\"]\r\n\t\t}\r\n\t]\r\n}\r\n";
    let out = run(text, &[class("A"), class("B")]).unwrap();
    assert!(!out.text.replace("\r\n", "").contains('\n'), "a bare newline crept in: {:?}", out.text);
    assert!(out.text.contains("\t\t{\r\n\t\t\t\"tag\": \"v2\",\r\n\t\t\t\"new_sqlite_classes\": [\"B\"]\r\n\t\t}"), "{:?}", out.text);
    assert!(out.text.contains("\t\"durable_objects\": {\r\n\t\t\"bindings\": [\r\n\t\t\t{ \"name\": \"A\", \"class_name\": \"A\" },\r\n"), "{:?}", out.text);
    assert_eq!(run(&out.text, &[class("A"), class("B")]).unwrap().text, out.text);
}

#[test]
fn any_damaged_config_gives_an_answer_never_a_panic() {
    // Every prefix, and the text with any one character removed: each is
    // either a config to update or a list of problems.
    let classes = project_classes();
    let boundaries: Vec<usize> = PROJECT.char_indices().map(|(i, _)| i).collect();
    for &end in &boundaries {
        let _ = generate(&PROJECT[..end], &classes, &Options::default());
        let next = PROJECT[end..].chars().next().map_or(end, |c| end + c.len_utf8());
        let damaged = format!("{}{}", &PROJECT[..end], &PROJECT[next..]);
        if let Ok(out) = generate(&damaged, &classes, &Options::default()) {
            assert!(jsonc::parse(&out.text).is_ok());
        }
    }
}

// ----- the `exports` form -----

/// A project on `exports`, with a Workflow beside the classes.
const EXPORTS: &str = r#"// My worker.
{
  "name": "app",
  "durable_objects": {
    "bindings": [
      { "name": "COUNTER", "class_name": "Counter" },
      { "name": "STORE", "class_name": "Store" }
    ]
  },
  // Which classes exist.
  "exports": {
    "Counter": { "type": "durable-object", "storage": "sqlite" }, // first deploy
    "Store": { "type": "durable-object", "storage": "legacy-kv" },
    "Jobs": { "type": "workflow", "name": "jobs" }
  }
}
"#;

/// Runs the generator and checks that a second run changes nothing.
fn stable(text: &str, declared: &[Declared], delete: &[&str]) -> Outcome {
    let out = run_deleting(text, declared, delete).unwrap_or_else(|e| panic!("{e:?}"));
    let again = run_deleting(&out.text, declared, delete).unwrap_or_else(|e| panic!("second run: {e:?}\n{}", out.text));
    assert_eq!(again.text, out.text, "a second run changed the file");
    assert!(again.changes.is_empty(), "{:?}", again.changes);
    out
}

#[test]
fn exports_an_up_to_date_config_is_left_alone() {
    let out = run(EXPORTS, &project_classes()).unwrap();
    assert_eq!(out.text, EXPORTS);
    assert_eq!(out.lifecycle, "exports");
}

#[test]
fn exports_a_new_class_gets_a_binding_and_an_entry_by_insertion_only() {
    let mut classes = project_classes();
    classes.push(class("ChatRoom"));
    let out = stable(EXPORTS, &classes, &[]);
    only_added(EXPORTS, &out.text);
    assert!(out.text.contains(
        "    \"Jobs\": { \"type\": \"workflow\", \"name\": \"jobs\" },\n    \"ChatRoom\": { \"type\": \"durable-object\", \"storage\": \"sqlite\" }\n  }"
    ), "{}", out.text);
    assert_eq!(out.changes, ["binding `CHAT_ROOM` -> class `ChatRoom`", "exports: new SQLite-backed `ChatRoom`"]);
}

#[test]
fn exports_a_rename_turns_the_entry_into_a_tombstone_and_adds_the_new_class() {
    let classes = vec![Declared { renamed_from: Some("Counter".into()), ..class("Tally") }, Declared { storage: Storage::Kv, ..class("Store") }];
    let out = stable(EXPORTS, &classes, &[]);
    assert!(out.text.contains(
        "    \"Counter\": { \"type\": \"durable-object\", \"state\": \"renamed\", \"renamed_to\": \"Tally\" }, // first deploy\n"
    ), "{}", out.text);
    assert!(out.text.contains("    \"Tally\": { \"type\": \"durable-object\", \"storage\": \"sqlite\" }\n  }"), "{}", out.text);
    assert!(out.text.contains(r#"{ "name": "COUNTER", "class_name": "Tally" }"#), "{}", out.text);
    assert!(out.text.contains("// Which classes exist.") && out.text.starts_with("// My worker."));
    assert_eq!(out.changes.last().unwrap(), "exports: rename `Counter` to `Tally` (its objects and their data move along)");
    // Renamed back: the tombstone becomes the live class again, and `Tally` points at it.
    let back = stable(&out.text, &[Declared { renamed_from: Some("Tally".into()), ..class("Counter") }, Declared { storage: Storage::Kv, ..class("Store") }], &[]);
    assert!(back.text.contains(r#""Counter": { "type": "durable-object", "storage": "sqlite" }, // first deploy"#), "{}", back.text);
    assert!(back.text.contains(r#""Tally": { "type": "durable-object", "state": "renamed", "renamed_to": "Counter" }"#), "{}", back.text);
}

#[test]
fn exports_a_chain_of_renames_points_every_old_name_at_the_live_one() {
    let first = stable(EXPORTS, &[Declared { renamed_from: Some("Counter".into()), ..class("Tally") }, Declared { storage: Storage::Kv, ..class("Store") }], &[]);
    let second = stable(&first.text, &[Declared { renamed_from: Some("Tally".into()), ..class("Score") }, Declared { storage: Storage::Kv, ..class("Store") }], &[]);
    assert!(second.text.contains(r#""Counter": { "type": "durable-object", "state": "renamed", "renamed_to": "Score" }"#), "{}", second.text);
    assert!(second.text.contains(r#""Tally": { "type": "durable-object", "state": "renamed", "renamed_to": "Score" }"#), "{}", second.text);
    assert!(second.text.contains(r#""Score": { "type": "durable-object", "storage": "sqlite" }"#), "{}", second.text);
    assert!(second.text.contains(r#"{ "name": "COUNTER", "class_name": "Score" }"#), "{}", second.text);
    // Deleting it marks every name of it deleted, and says so.
    let gone = stable(&second.text, &[Declared { storage: Storage::Kv, ..class("Store") }], &["Score"]);
    for name in ["Counter", "Tally", "Score"] {
        assert!(gone.text.contains(&format!(r#""{name}": {{ "type": "durable-object", "state": "deleted" }}"#)), "{}", gone.text);
    }
    assert!(!gone.text.contains("COUNTER"), "{}", gone.text);
    assert_eq!(gone.warnings.len(), 1);
    assert!(gone.warnings[0].starts_with("`exports` marks class `Score` deleted (its earlier names `Counter`, `Tally` too): once deployed, every `Score` object and all of its stored data"), "{:?}", gone.warnings);
}

#[test]
fn exports_delete_needs_the_flag_and_a_deleted_class_can_come_back_empty() {
    let errors = run(EXPORTS, &[class("Counter")]).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("line 13, column 1: class `Store` exists (its `exports` entry) but the code no longer declares it"), "{errors:?}");
    assert!(errors[0].contains("marks its `exports` entry `\"state\": \"deleted\"`, which destroys every `Store` object"), "{errors:?}");
    let out = stable(EXPORTS, &[class("Counter")], &["Store"]);
    assert!(out.text.contains(r#""Store": { "type": "durable-object", "state": "deleted" },"#), "{}", out.text);
    assert!(!out.text.contains("\"STORE\""), "{}", out.text);
    // The same name again is a new, empty class (SQLite-backed: no new key-value ones).
    let back = stable(&out.text, &[class("Counter"), class("Store")], &[]);
    assert!(back.text.contains(r#""Store": { "type": "durable-object", "storage": "sqlite" },"#), "{}", back.text);
    assert!(back.text.contains(r#"{ "name": "STORE", "class_name": "Store" }"#), "{}", back.text);
    let errors = run_deleting(EXPORTS, &project_classes(), &["Nobody"]).unwrap_err();
    assert!(errors[0].contains("--delete Nobody: there is no class `Nobody` in `exports` of this config"), "{errors:?}");
}

#[test]
fn exports_the_storage_backend_cannot_change() {
    let errors = run(EXPORTS, &[class("Counter"), class("Store")]).unwrap_err();
    assert!(errors[0].starts_with("line 13, column 1: `Store` is declared with SQLite (`\"storage\": \"sqlite\"`) storage, but its `exports` entry made `Store` a key-value"), "{errors:?}");
}

#[test]
fn exports_and_migrations_together_are_refused_with_the_position() {
    let text = EXPORTS.replace("  // Which classes exist.\n", "  \"migrations\": [{ \"tag\": \"v1\", \"new_sqlite_classes\": [\"Counter\"] }],\n");
    let errors = run(&text, &project_classes()).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    // An environment that inherits both is not reported again.
    let with_env = text.replace("  \"name\": \"app\",", "  \"name\": \"app\", \"env\": { \"staging\": {} },");
    assert_eq!(run(&with_env, &project_classes()).unwrap_err().len(), 1);
    assert!(errors[0].starts_with("line 11, column 14: `migrations` and `exports` both declare Durable Objects"), "{errors:?}");
    // Only a Workflow in `exports`: the config is on migrations, and that is fine.
    let text = "{ \"migrations\": [{ \"tag\": \"v1\", \"new_sqlite_classes\": [\"A\"] }], \"exports\": { \"Jobs\": { \"type\": \"workflow\", \"name\": \"jobs\" } } }";
    let out = run(text, &[class("A"), class("B")]).unwrap();
    assert!(out.text.contains(r#"{ "tag": "v2", "new_sqlite_classes": ["B"] }"#), "{}", out.text);
}

#[test]
fn exports_bad_entries_are_reported_with_their_positions() {
    let text = r#"{
  "exports": {
    "A": { "type": "durable-object", "state": "gone" },
    "B": { "type": "durable-object" },
    "C": { "type": "durable-object", "storage": "kv" },
    "D": { "type": "durable-object", "state": "renamed", "renamed_to": "Nowhere" },
    "E": { "type": "durable-object", "state": "deleted", "storage": "sqlite" },
    "F": { "storage": "sqlite" },
    "G": [],
    "H": { "type": "durable-object", "state": "renamed" }
  }
}"#;
    let errors = run(text, &[]).unwrap_err();
    let expected = [
        "line 3, column 47: exports entry `A`: unknown state `gone`",
        "line 4, column 10: exports entry `B` (state `created`) needs its `storage`",
        "line 5, column 49: exports entry `C`: `storage` must be \"sqlite\" or \"legacy-kv\"",
        "line 7, column 58: exports entry `E`: `storage` is not allowed in state `deleted`",
        "line 8, column 10: exports entry `F` has no `type`",
        "line 9, column 10: exports entry `G` must be an object",
        "line 10, column 10: exports entry `H` (state `renamed`) needs a string `renamed_to`",
        "line 6, column 1: exports entry `D` says it was renamed to `Nowhere`, but `Nowhere` is neither a live class",
    ];
    assert_eq!(errors.len(), expected.len(), "{errors:#?}");
    for (error, expected) in errors.iter().zip(expected) {
        assert!(error.starts_with(expected), "{error}\nexpected: {expected}");
    }
}

#[test]
fn exports_transfers_are_respected_and_never_edited() {
    let text = r#"{
  "durable_objects": { "bindings": [{ "name": "INBOX", "class_name": "Inbox" }] },
  "exports": {
    "Inbox": { "type": "durable-object", "state": "expecting-transfer", "storage": "sqlite", "transfer_from": "old-worker" },
    "Outbox": { "type": "durable-object", "state": "transferred", "transferred_to": "new-worker" }
  }
}"#;
    // An incoming class counts as existing; a class handed away is gone.
    assert_eq!(run(text, &[class("Inbox")]).unwrap().text, text);
    let errors = run_deleting(text, &[], &["Inbox"]).unwrap_err();
    assert!(errors[0].starts_with("line 4, column 1: the code no longer declares `Inbox`, but `Inbox` is in a transfer between scripts"), "{errors:?}");
    let errors = run(text, &[Declared { renamed_from: Some("Inbox".into()), ..class("Mail") }]).unwrap_err();
    assert!(errors[0].contains("transfers are yours to manage"), "{errors:?}");
    let errors = run(text, &[class("Inbox"), class("Outbox")]).unwrap_err();
    assert!(errors[0].starts_with("line 5, column 1: `Outbox` is declared, but its exports entry says it was transferred to the script `new-worker`"), "{errors:?}");
}

#[test]
fn exports_a_class_named_like_another_export_is_refused() {
    let errors = run(EXPORTS, &[class("Counter"), Declared { storage: Storage::Kv, ..class("Store") }, class("Jobs")]).unwrap_err();
    assert!(errors[0].starts_with("line 14, column 13: `Jobs` is a Durable Object class, but the exports entry `Jobs` is a `workflow` export"), "{errors:?}");
}

#[test]
fn exports_multi_line_entries_tabs_and_windows_line_endings_are_kept() {
    let text = "{\r\n\t\"exports\": {\r\n\t\t\"A\": {\r\n\t\t\t\"type\": \"durable-object\",\r\n\t\t\t\"storage\": \"sqlite\"\r\n\t\t}\r\n\t}\r\n}\r\n";
    let out = stable(text, &[Declared { renamed_from: Some("A".into()), ..class("B") }, class("C")], &[]);
    assert!(!out.text.replace("\r\n", "").contains('\n'), "a bare newline crept in: {:?}", out.text);
    assert!(out.text.contains("\t\t\"A\": {\r\n\t\t\t\"type\": \"durable-object\",\r\n\t\t\t\"state\": \"renamed\",\r\n\t\t\t\"renamed_to\": \"B\"\r\n\t\t},"), "{:?}", out.text);
    assert!(out.text.contains("\t\t\"C\": {\r\n\t\t\t\"type\": \"durable-object\",\r\n\t\t\t\"storage\": \"sqlite\"\r\n\t\t},\r\n\t\t\"B\": {"), "{:?}", out.text);
}

#[test]
fn exports_environments_inherit_or_keep_their_own() {
    let text = r#"{
  "name": "app",
  "durable_objects": { "bindings": [{ "name": "COUNTER", "class_name": "Counter" }] },
  "exports": { "Counter": { "type": "durable-object", "storage": "sqlite" } },
  "env": {
    "staging": { "vars": { "STAGE": "staging" } },
    "eu": {
      "durable_objects": { "bindings": [{ "name": "COUNTER", "class_name": "Counter" }] },
      "exports": { "Counter": { "type": "durable-object", "storage": "sqlite" } }
    },
    "old": {
      "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Counter"] }]
    }
  }
}"#;
    let errors = run(text, &[class("Counter")]).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("line 4, column 14: its `migrations` and the top level's `exports` (inherited) (env.old) both declare Durable Objects"), "{errors:?}");
    let old_env = ",\n    \"old\": {\n      \"migrations\": [{ \"tag\": \"v1\", \"new_sqlite_classes\": [\"Counter\"] }]\n    }";
    assert!(text.contains(old_env));
    let text = text.replace(old_env, "");
    let out = stable(&text, &[class("Counter"), class("Room")], &[]);
    let parsed = jsonc::parse(&out.text).unwrap();
    let entries = |v: &Value| v.get("exports").unwrap().as_object().unwrap().iter().map(|m| m.key.clone()).collect::<Vec<_>>();
    assert_eq!(entries(&parsed), ["Counter", "Room"]);
    let env = parsed.get("env").unwrap();
    assert_eq!(entries(env.get("eu").unwrap()), ["Counter", "Room"]);
    assert!(env.get("staging").unwrap().get("exports").is_none(), "{}", out.text);
    assert_eq!(env.get("staging").unwrap().get("durable_objects").unwrap().get("bindings").unwrap().as_array().unwrap().len(), 2);
    assert!(out.changes.contains(&"exports (env.eu): new SQLite-backed `Room`".to_owned()), "{:?}", out.changes);
}

#[test]
fn exports_any_damaged_config_gives_an_answer_never_a_panic() {
    let classes = vec![Declared { renamed_from: Some("Counter".into()), ..class("Tally") }, class("Room")];
    let boundaries: Vec<usize> = EXPORTS.char_indices().map(|(i, _)| i).collect();
    for &end in &boundaries {
        let next = EXPORTS[end..].chars().next().map_or(end, |c| end + c.len_utf8());
        let damaged = format!("{}{}", &EXPORTS[..end], &EXPORTS[next..]);
        for text in [&EXPORTS[..end], damaged.as_str()] {
            if let Ok(out) = run_deleting(text, &classes, &["Store"]) {
                assert!(jsonc::parse(&out.text).is_ok());
            }
        }
    }
}

#[test]
fn default_binding_names() {
    assert_eq!(screaming_snake("ChatRoom"), "CHAT_ROOM");
    assert_eq!(screaming_snake("Counter"), "COUNTER");
    assert_eq!(screaming_snake("HTTPServer"), "HTTP_SERVER");
    assert_eq!(screaming_snake("Room2Go"), "ROOM2_GO");
    assert_eq!(screaming_snake("KvExplorer"), "KV_EXPLORER");
}
