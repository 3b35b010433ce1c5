//! Brings a wrangler config up to date with the classes the code declares:
//! a binding per class and a migration entry for what changed.
//!
//! The config's text is edited in place (insertions, and for renamed or
//! deleted classes the binding's `class_name` or the binding itself), so its
//! comments and layout survive; migration entries already written are never
//! touched. Every run checks its own result: planning again on the output must
//! find nothing left to do.
//!
//! Data flows one way: [`Declared`] classes + config text -> [`history`]
//! replay -> plan per scope (top level, each `env.<name>`) -> [`jsonc::Edit`]s.

use std::collections::{BTreeMap, BTreeSet};

use crate::classes::{Class, Storage};
use crate::history::{self, History};
use crate::jsonc::{self, quote as json, Edit, Value};
use crate::problem::Problems;

/// A class as the generator sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    /// The JavaScript class name (`class_name`).
    pub js: String,
    /// `#[durable_object(binding = ...)]`.
    pub binding: Option<String>,
    /// `#[durable_object(renamed_from = ...)]`.
    pub renamed_from: Option<String>,
    /// Its storage backend.
    pub storage: Storage,
    /// Where the struct is declared (`src/lib.rs:12`), for messages.
    pub location: Option<String>,
}

impl Declared {
    /// `` `Room` (src/lib.rs:12) ``: the class, for messages.
    fn describe(&self) -> String {
        match &self.location {
            Some(at) => format!("`{}` ({at})", self.js),
            None => format!("`{}`", self.js),
        }
    }
}

impl From<&Class> for Declared {
    fn from(class: &Class) -> Self {
        Declared {
            js: class.js.clone(),
            binding: class.deployment.binding.clone(),
            renamed_from: class.deployment.renamed_from.clone(),
            storage: class.deployment.storage,
            location: class.location.clone(),
        }
    }
}

/// What the user allowed.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Classes whose deletion (with all their stored objects) is allowed.
    pub delete: Vec<String>,
}

/// The result: the new text and what changed in it.
#[derive(Debug)]
pub struct Outcome {
    /// The config, up to date (equal to the input when nothing changed).
    pub text: String,
    /// One line per change, for the user.
    pub changes: Vec<String>,
    /// Changes that destroy data, spelled out.
    pub warnings: Vec<String>,
}

/// Brings `text` (a wrangler.jsonc) up to date with `declared`.
pub fn generate(text: &str, declared: &[Declared], options: &Options) -> Result<Outcome, Problems> {
    // Edits that replace or remove text go first, on their own: an insertion
    // next to a removed binding would overlap it. Planning again on the result
    // then finds the same insertions, at positions in the rewritten text. The
    // first plan describes every change.
    let first = plan(text, declared, options)?;
    let (text, inserts) = if first.rewrites.is_empty() {
        (text.to_owned(), first.inserts)
    } else {
        let rewritten = apply(text, &first.rewrites)?;
        let second = plan(&rewritten, declared, options).map_err(internal)?;
        if !second.rewrites.is_empty() {
            return Err(internal_error("rewrites remain after rewriting"));
        }
        (rewritten, second.inserts)
    };
    let text = apply(&text, &inserts)?;
    // The result must be a fixed point: nothing left to do on it.
    let check = plan(&text, declared, options).map_err(internal)?;
    if !check.rewrites.is_empty() || !check.inserts.is_empty() {
        return Err(internal_error("the generated config is not stable"));
    }
    Ok(Outcome { text, changes: first.changes, warnings: first.warnings })
}

fn apply(text: &str, edits: &[Edit]) -> Result<String, Problems> {
    let out = jsonc::apply(text, edits).map_err(|e| internal_error(&e))?;
    jsonc::parse(&out).map_err(|e| internal_error(&format!("the edited config does not parse ({e})")))?;
    Ok(out)
}

fn internal_error(what: &str) -> Problems {
    let mut problems = Problems::default();
    problems.general(format!("internal error of durable config: {what}; the file was left untouched (please report this)"));
    problems
}

fn internal(problems: Problems) -> Problems {
    let mut out = internal_error("planning on its own output found problems");
    for p in problems.into_vec() {
        out.general(p.message);
    }
    out
}

/// One planning pass over a text.
#[derive(Debug, Default)]
struct Plan {
    rewrites: Vec<Edit>,
    inserts: Vec<Edit>,
    changes: Vec<String>,
    warnings: Vec<String>,
}

/// What a scope's migrations must add.
#[derive(Debug, Default)]
struct MigrationPlan {
    history: History,
    created: Vec<(String, Storage)>,
    renamed: Vec<(String, String)>,
    deleted: Vec<String>,
}

impl MigrationPlan {
    fn is_empty(&self) -> bool {
        self.created.is_empty() && self.renamed.is_empty() && self.deleted.is_empty()
    }
}

fn plan(text: &str, declared: &[Declared], options: &Options) -> Result<Plan, Problems> {
    let mut problems = Problems::default();
    let root = match jsonc::parse(text) {
        Ok(root) => root,
        Err(e) => {
            problems.general_at(e.line, e.column, format!("not valid JSONC: {}", e.message));
            return Err(problems);
        }
    };
    if root.as_object().is_none() {
        problems.at(text, root.span.start, "a wrangler config is an object (`{ \"name\": ..., ... }`)");
        return Err(problems);
    }
    check_declared(declared, &mut problems);
    let mut plan = Plan::default();

    // Migrations: the top level, and each environment that has its own list
    // (the others inherit the top level's).
    let top = plan_migrations(text, "", &root, declared, options, &mut problems);
    let mut envs: Vec<(String, &Value, Option<MigrationPlan>)> = Vec::new();
    if let Some(env) = root.get("env") {
        match env.as_object() {
            None => problems.at(text, env.span.start, "`env` must be an object of environments"),
            Some(members) => {
                for member in members {
                    if member.value.as_object().is_none() {
                        problems.at(text, member.value.span.start, format!("environment `{}` must be an object", member.key));
                        continue;
                    }
                    let label = format!(" (env.{})", member.key);
                    let own = member
                        .value
                        .get("migrations")
                        .map(|_| plan_migrations(text, &label, &member.value, declared, options, &mut problems));
                    envs.push((label, &member.value, own));
                }
            }
        }
    }

    // Bindings before migrations: where both sections are new, they read in
    // that order.
    plan_bindings(text, "", &root, declared, &top, &mut problems, &mut plan);
    write_migration(text, "", &root, &top, &mut plan);
    for (label, env, own) in &envs {
        plan_bindings(text, label, env, declared, own.as_ref().unwrap_or(&top), &mut problems, &mut plan);
        if let Some(own) = own {
            write_migration(text, label, env, own, &mut plan);
        }
    }
    if problems.is_empty() {
        Ok(plan)
    } else {
        Err(problems)
    }
}

/// Problems in the declarations themselves.
fn check_declared(declared: &[Declared], problems: &mut Problems) {
    let names: BTreeSet<&str> = declared.iter().map(|c| c.js.as_str()).collect();
    for class in declared {
        if let Some(old) = &class.renamed_from {
            if names.contains(old.as_str()) {
                problems.general(format!(
                    "{} is declared `renamed_from = \"{old}\"`, but the code still declares a class `{old}`: \
                     a rename moves the objects of `{old}` to `{}`, so `{old}` must go",
                    class.describe(),
                    class.js
                ));
            }
        }
    }
    let mut sources: BTreeMap<&str, &str> = BTreeMap::new();
    for class in declared {
        if let Some(old) = &class.renamed_from {
            if let Some(other) = sources.insert(old, &class.js) {
                problems.general(format!("`{other}` and {} are both declared `renamed_from = \"{old}\"`: one class can be renamed once", class.describe()));
            }
        }
    }
}

fn plan_migrations(
    text: &str,
    label: &str,
    container: &Value,
    declared: &[Declared],
    options: &Options,
    problems: &mut Problems,
) -> MigrationPlan {
    let history = history::replay(text, container.get("migrations"), problems);
    let mut plan = MigrationPlan::default();
    let mut renamed_sources = BTreeSet::new();
    for class in declared {
        if let Some(live) = history.live.get(&class.js) {
            check_storage(class, &class.js, live, label, problems);
            continue;
        }
        match &class.renamed_from {
            Some(old) => match history.live.get(old) {
                Some(live) => {
                    check_storage(class, old, live, label, problems);
                    renamed_sources.insert(old.clone());
                    plan.renamed.push((old.clone(), class.js.clone()));
                }
                None => {
                    let why = match history.deleted.get(old) {
                        Some(tag) => format!("migration `{tag}` deleted it"),
                        None => "no migration creates it".to_owned(),
                    };
                    problems.general(format!(
                        "{} is declared `renamed_from = \"{old}\"`, but there is no class `{old}` to rename in the migrations{label}: {why}. \
                         Remove `renamed_from` to create `{}` as a new, empty class",
                        class.describe(),
                        class.js
                    ));
                }
            },
            None => plan.created.push((class.js.clone(), class.storage)),
        }
    }
    let declared_names: BTreeSet<&str> = declared.iter().map(|c| c.js.as_str()).collect();
    for (name, live) in &history.live {
        if declared_names.contains(name.as_str()) || renamed_sources.contains(name) {
            continue;
        }
        if options.delete.contains(name) {
            plan.deleted.push(name.clone());
        } else {
            problems.general_at(
                live.line,
                1,
                format!(
                    "class `{name}` exists (migration `{}`){label} but the code no longer declares it. \
                     If it was renamed, add #[durable_object(renamed_from = \"{name}\")] to its new struct: its objects keep their data. \
                     If it is meant to go, run `durable config --delete {name}`: that writes a `deleted_classes` migration, which \
                     destroys every `{name}` object and all of its stored data when deployed",
                    live.since
                ),
            );
        }
    }
    for name in &options.delete {
        if history.live.contains_key(name) {
            if declared_names.contains(name.as_str()) {
                problems.general(format!("--delete {name}: the code still declares `{name}`; remove the class from the code first"));
            }
        } else if !history.deleted.contains_key(name) && label.is_empty() {
            problems.general(format!("--delete {name}: there is no class `{name}` in the migrations of this config"));
        }
    }
    plan.history = history;
    plan
}

fn check_storage(class: &Declared, existing: &str, live: &history::LiveClass, label: &str, problems: &mut Problems) {
    let Some(storage) = live.storage else { return };
    if storage != class.storage {
        let name = |s: Storage| match s {
            Storage::Sqlite => "SQLite (`new_sqlite_classes`)",
            Storage::Kv => "key-value (`new_classes`)",
        };
        problems.general_at(
            live.line,
            1,
            format!(
                "{} is declared with {} storage, but migration `{}`{label} made `{existing}` a {} class: \
                 a class's storage backend cannot change once created. Set `storage = \"{}\"` on the struct, \
                 or create a new class and move the data",
                class.describe(),
                name(class.storage),
                live.since,
                name(storage),
                match storage {
                    Storage::Sqlite => "sqlite",
                    Storage::Kv => "kv",
                }
            ),
        );
    }
}

/// Appends the scope's new migration entry, if there is anything to migrate.
fn write_migration(text: &str, label: &str, container: &Value, migration: &MigrationPlan, plan: &mut Plan) {
    if migration.is_empty() {
        return;
    }
    let tag = migration.history.next_tag();
    let mut fields = vec![format!("\"tag\": {}", json(&tag))];
    let list = |names: Vec<&String>| format!("[{}]", names.iter().map(|n| json(n)).collect::<Vec<_>>().join(", "));
    let sqlite: Vec<&String> = migration.created.iter().filter(|(_, s)| *s == Storage::Sqlite).map(|(n, _)| n).collect();
    let kv: Vec<&String> = migration.created.iter().filter(|(_, s)| *s == Storage::Kv).map(|(n, _)| n).collect();
    let mut summary = Vec::new();
    if !sqlite.is_empty() {
        summary.push(format!("new SQLite-backed {}", names(&sqlite)));
        fields.push(format!("\"new_sqlite_classes\": {}", list(sqlite)));
    }
    if !kv.is_empty() {
        summary.push(format!("new key-value-backed {}", names(&kv)));
        fields.push(format!("\"new_classes\": {}", list(kv)));
    }
    if !migration.renamed.is_empty() {
        let renames: Vec<String> =
            migration.renamed.iter().map(|(from, to)| format!("{{ \"from\": {}, \"to\": {} }}", json(from), json(to))).collect();
        fields.push(format!("\"renamed_classes\": [{}]", renames.join(", ")));
        for (from, to) in &migration.renamed {
            summary.push(format!("rename `{from}` to `{to}` (its objects and their data move along)"));
        }
    }
    if !migration.deleted.is_empty() {
        fields.push(format!("\"deleted_classes\": {}", list(migration.deleted.iter().collect())));
        for name in &migration.deleted {
            summary.push(format!("delete `{name}`"));
            plan.warnings.push(format!(
                "migration `{tag}`{label} deletes class `{name}`: once deployed, every `{name}` object and all of its stored data \
                 (SQL tables, key-value pairs, alarms) are destroyed, for good"
            ));
        }
    }
    let unit = jsonc::indent_unit(text);
    let entry = if migration.history.one_line_entries {
        format!("{{ {} }}", fields.join(", "))
    } else {
        format!("{{\n{unit}{}\n}}", fields.join(&format!(",\n{unit}")))
    };
    let edit = match container.get("migrations") {
        Some(array) => jsonc::append_element(text, array, &entry),
        None => {
            let entry = entry.replace('\n', &format!("\n{unit}"));
            jsonc::append_member(text, container, "migrations", &format!("[\n{unit}{entry}\n]"))
        }
    };
    plan.inserts.push(edit);
    plan.changes.push(format!("migration `{tag}`{label}: {}", summary.join("; ")));
}

/// A binding in the config.
struct Binding<'a> {
    name: String,
    class: String,
    class_value: &'a Value,
    local: bool,
    index: usize,
    line: usize,
}

fn plan_bindings(
    text: &str,
    label: &str,
    container: &Value,
    declared: &[Declared],
    migration: &MigrationPlan,
    problems: &mut Problems,
    plan: &mut Plan,
) {
    let durable_objects = container.get("durable_objects");
    if let Some(d) = durable_objects {
        if d.as_object().is_none() {
            problems.at(text, d.span.start, "`durable_objects` must be an object with `bindings`");
            return;
        }
    }
    let array = durable_objects.and_then(|d| d.get("bindings"));
    if let Some(a) = array {
        if a.as_array().is_none() {
            problems.at(text, a.span.start, "`durable_objects.bindings` must be an array");
            return;
        }
    }
    let mut bindings = Vec::new();
    let mut lines_by_name: BTreeMap<String, usize> = BTreeMap::new();
    for (index, item) in array.and_then(Value::as_array).unwrap_or_default().iter().enumerate() {
        let line = jsonc::line_col(text, item.span.start).0;
        let (Some(name), Some(class_value)) = (item.get("name"), item.get("class_name")) else {
            problems.at(text, item.span.start, "a Durable Object binding needs a string `name` and `class_name`");
            continue;
        };
        let (Some(name), Some(class)) = (name.as_str(), class_value.as_str()) else {
            problems.at(text, item.span.start, "a Durable Object binding's `name` and `class_name` must be strings");
            continue;
        };
        if let Some(first) = lines_by_name.insert(name.to_owned(), line) {
            problems.at(text, item.span.start, format!("two bindings are named `{name}` (the first at line {first}): binding names must be unique"));
        }
        let local = item.get("script_name").is_none();
        bindings.push(Binding { name: name.to_owned(), class: class.to_owned(), class_value, local, index, line });
    }

    let renamed: BTreeMap<&str, &str> = migration.renamed.iter().map(|(f, t)| (f.as_str(), t.as_str())).collect();
    let declared_names: BTreeSet<&str> = declared.iter().map(|c| c.js.as_str()).collect();
    let mut removed = Vec::new();
    for binding in bindings.iter_mut().filter(|b| b.local) {
        if let Some(to) = renamed.get(binding.class.as_str()) {
            plan.rewrites.push(jsonc::replace_value(binding.class_value, &json(to)));
            plan.changes.push(format!("binding `{}`{label}: class_name `{}` -> `{to}`", binding.name, binding.class));
            binding.class = to.to_string();
        } else if migration.deleted.contains(&binding.class) {
            removed.push(binding.index);
            plan.changes.push(format!("binding `{}`{label} of the deleted class `{}` removed", binding.name, binding.class));
        } else if !declared_names.contains(binding.class.as_str()) && !migration.history.live.contains_key(&binding.class) {
            problems.general_at(
                binding.line,
                1,
                format!(
                    "binding `{}`{label} names class `{}`, which the code does not declare and no migration creates \
                     (a binding to another worker's class needs its `script_name`)",
                    binding.name, binding.class
                ),
            );
        }
    }
    if let Some(array) = array {
        for index in removed.iter().rev() {
            plan.rewrites.extend(jsonc::remove_element(text, array, *index));
        }
    }

    let mut added: Vec<(String, String)> = Vec::new();
    for class in declared {
        let taken = |name: &str| bindings.iter().find(|b| b.name == name);
        match &class.binding {
            Some(wanted) => match taken(wanted) {
                Some(b) if b.local && b.class == class.js => {}
                Some(b) => problems.general_at(
                    b.line,
                    1,
                    format!(
                        "{} asks for the binding `{wanted}`{label}, but that binding is bound to `{}`{}",
                        class.describe(),
                        b.class,
                        if b.local { "" } else { " of another script" }
                    ),
                ),
                None => added.push((wanted.clone(), class.js.clone())),
            },
            None => {
                if bindings.iter().any(|b| b.local && b.class == class.js) {
                    continue;
                }
                let derived = screaming_snake(&class.js);
                match taken(&derived) {
                    Some(b) => problems.general_at(
                        b.line,
                        1,
                        format!(
                            "{} needs a binding{label}, and its default name `{derived}` is taken by the binding of `{}`: \
                             choose another with #[durable_object(binding = \"...\")]",
                            class.describe(),
                            b.class
                        ),
                    ),
                    None => added.push((derived, class.js.clone())),
                }
            }
        }
    }
    let mut seen = BTreeMap::new();
    for (name, class) in &added {
        if let Some(other) = seen.insert(name.clone(), class.clone()) {
            problems.general(format!(
                "`{other}` and `{class}` would both get the binding `{name}`{label}: give one another with #[durable_object(binding = \"...\")]"
            ));
        }
    }
    if added.is_empty() {
        return;
    }
    let elements: Vec<String> =
        added.iter().map(|(name, class)| format!("{{ \"name\": {}, \"class_name\": {} }}", json(name), json(class))).collect();
    for (name, class) in &added {
        plan.changes.push(format!("binding `{name}`{label} -> class `{class}`"));
    }
    let u = jsonc::indent_unit(text);
    let edit = match (durable_objects, array) {
        (Some(_), Some(array)) => {
            let multi_line = text[array.span.clone()].contains('\n') || array.as_array().is_some_and(<[Value]>::is_empty);
            jsonc::append_element(text, array, &elements.join(if multi_line { ",\n" } else { ", " }))
        }
        (Some(object), None) => {
            jsonc::append_member(text, object, "bindings", &format!("[\n{u}{}\n]", elements.join(&format!(",\n{u}"))))
        }
        (None, _) => jsonc::append_member(
            text,
            container,
            "durable_objects",
            &format!("{{\n{u}\"bindings\": [\n{u}{u}{}\n{u}]\n}}", elements.join(&format!(",\n{u}{u}"))),
        ),
    };
    plan.inserts.push(edit);
}

/// `ChatRoom` -> `CHAT_ROOM`, `HTTPServer` -> `HTTP_SERVER`: the default
/// binding name of a class.
pub fn screaming_snake(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if i > 0 && c.is_uppercase() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_lower) {
                out.push('_');
            }
        }
        out.extend(c.to_uppercase());
    }
    out
}

fn names(list: &[&String]) -> String {
    list.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(js: &str) -> Declared {
        Declared { js: js.into(), binding: None, renamed_from: None, storage: Storage::Sqlite, location: None }
    }

    fn run(text: &str, declared: &[Declared]) -> Result<Outcome, Vec<String>> {
        generate(text, declared, &Options::default()).map_err(|p| p.messages())
    }

    fn run_deleting(text: &str, declared: &[Declared], delete: &[&str]) -> Result<Outcome, Vec<String>> {
        let options = Options { delete: delete.iter().map(|s| s.to_string()).collect() };
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
    fn an_empty_config_gets_both_sections() {
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
  "migrations": [
    { "tag": "v1", "new_sqlite_classes": ["Counter", "Room"] }
  ]
}
"#
        );
    }

    #[test]
    fn a_legacy_key_value_class_is_created_with_new_classes() {
        let text = "{ \"name\": \"app\", \"migrations\": [] }";
        let out = run(text, &[Declared { storage: Storage::Kv, ..class("Old") }]).unwrap();
        assert!(out.text.contains(r#"{ "tag": "v1", "new_classes": ["Old"] }"#), "{}", out.text);
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
        let text = include_str!("../../wrangler.jsonc");
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

    #[test]
    fn default_binding_names() {
        assert_eq!(screaming_snake("ChatRoom"), "CHAT_ROOM");
        assert_eq!(screaming_snake("Counter"), "COUNTER");
        assert_eq!(screaming_snake("HTTPServer"), "HTTP_SERVER");
        assert_eq!(screaming_snake("Room2Go"), "ROOM2_GO");
        assert_eq!(screaming_snake("KvExplorer"), "KV_EXPLORER");
    }
}
