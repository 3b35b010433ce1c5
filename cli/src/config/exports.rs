//! The declarative `exports` map of a wrangler config (wrangler 4.107 and
//! later), the alternative to `migrations`:
//!
//! ```jsonc
//! "exports": {
//!   "Room": { "type": "durable-object", "storage": "sqlite" },
//!   "ChatRoom": { "type": "durable-object", "state": "renamed", "renamed_to": "Room" }
//! }
//! ```
//!
//! Each Durable Object class has one entry, keyed by its class name, stating
//! what its namespace (its objects and their data) should be: `created` (the
//! default: live, with its `storage`), `deleted`, `renamed` (to a live class),
//! `transferred` (to another script) or `expecting-transfer` (live: the
//! receiving side of a transfer). Cloudflare brings the deployed namespaces to
//! that state; unlike migrations, entries stay true once applied. A config uses
//! one form or the other, never both.
//!
//! [`read`] checks a map and makes a [`History`] of it, so the planner in
//! [`super::generate`] sees one shape for both forms; [`convert`] rewrites a
//! config's `migrations` into the `exports` map that declares the same
//! classes, and checks that it does before anything is written.

use std::collections::{BTreeMap, BTreeSet};

use crate::build::classes::Storage;
use super::history::{self, Gone, History, LiveClass};
use super::jsonc::{self, quote as json, Edit, Kind, Member, Value};
use super::problem::Problems;

/// The `type` of a Durable Object entry.
pub const DURABLE_OBJECT: &str = "durable-object";

/// What an entry says about its class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Live, with this backend (`"storage": "sqlite"` or `"legacy-kv"`).
    Created {
        /// Its storage backend.
        storage: Storage,
    },
    /// Live: the receiving side of a transfer from another script.
    ExpectingTransfer {
        /// Its storage backend.
        storage: Storage,
        /// The script it comes from.
        from_script: String,
    },
    /// Gone, with its data.
    Deleted,
    /// Gone: its objects now belong to the class `to`.
    Renamed {
        /// The class it was renamed to.
        to: String,
    },
    /// Gone: handed to another script.
    Transferred {
        /// The script it was handed to.
        to_script: String,
    },
}

impl State {
    /// Whether the class exists in this script in this state.
    pub fn is_live(&self) -> bool {
        matches!(self, State::Created { .. } | State::ExpectingTransfer { .. })
    }
}

/// One Durable Object entry of the map.
#[derive(Debug)]
pub struct Entry<'a> {
    /// The entry's value (an object).
    pub value: &'a Value,
    /// The line of its key.
    pub line: usize,
    /// What it says.
    pub state: State,
    /// The `container` it names, if any (kept when the class is renamed).
    pub container: Option<String>,
}

/// A checked `exports` map.
#[derive(Debug)]
pub struct Exports<'a> {
    /// The map itself.
    pub object: &'a Value,
    /// Its Durable Object entries, by class name.
    pub entries: BTreeMap<String, Entry<'a>>,
    /// Its other entries (Workers entrypoints, Workflows): name -> `type`.
    pub others: BTreeMap<String, String>,
}

/// The `storage` value of a backend.
pub fn storage_value(storage: Storage) -> &'static str {
    match storage {
        Storage::Sqlite => "sqlite",
        Storage::Kv => "legacy-kv",
    }
}

/// Whether `exports` (a config's `exports` value) has Durable Object entries:
/// then it, not `migrations`, says which classes exist.
pub fn declares_durable_objects(exports: Option<&Value>) -> bool {
    exports.and_then(Value::as_object).is_some_and(|members| {
        members.iter().any(|m| m.value.get("type").and_then(Value::as_str) == Some(DURABLE_OBJECT))
    })
}

/// Reads and checks the `exports` map `value`, recording every problem (with
/// its position) in `problems`. `None` when it is not an object at all.
pub fn read<'a>(text: &str, value: &'a Value, problems: &mut Problems) -> Option<Exports<'a>> {
    let Some(members) = value.as_object() else {
        problems.at(text, value.span.start, "`exports` must be an object: class name -> { \"type\": \"durable-object\", ... }");
        return None;
    };
    let mut map = Exports { object: value, entries: BTreeMap::new(), others: BTreeMap::new() };
    for member in members {
        let name = &member.key;
        if member.value.as_object().is_none() {
            problems.at(text, member.value.span.start, format!("exports entry `{name}` must be an object with a `type`"));
            continue;
        }
        let kind = match member.value.get("type") {
            Some(Value { kind: Kind::String(kind), .. }) => kind.as_str(),
            Some(other) => {
                problems.at(text, other.span.start, format!("exports entry `{name}`: `type` must be a string (\"durable-object\" for a Durable Object)"));
                continue;
            }
            None => {
                problems.at(text, member.value.span.start, format!("exports entry `{name}` has no `type` (\"durable-object\" for a Durable Object)"));
                continue;
            }
        };
        if kind != DURABLE_OBJECT {
            map.others.insert(name.clone(), kind.to_owned());
            continue;
        }
        if name.is_empty() {
            problems.at(text, member.key_span.start, "an exports entry needs a class name as its key");
            continue;
        }
        if let Some(entry) = read_entry(text, member, problems) {
            map.entries.insert(name.clone(), entry);
        }
    }
    Some(map)
}

/// The keys each state allows, as wrangler checks them.
fn allowed_keys(state: &str) -> &'static [&'static str] {
    match state {
        "created" => &["type", "state", "storage", "container"],
        "deleted" => &["type", "state"],
        "renamed" => &["type", "state", "renamed_to"],
        "transferred" => &["type", "state", "transferred_to"],
        _ => &["type", "state", "storage", "transfer_from", "container"],
    }
}

fn read_entry<'a>(text: &str, member: &'a Member, all: &mut Problems) -> Option<Entry<'a>> {
    let mut own = Problems::default();
    let entry = check_entry(text, member, &mut own);
    let clean = own.is_empty();
    for problem in own.into_vec() {
        match problem.position {
            Some((line, column)) => all.general_at(line, column, problem.message),
            None => all.general(problem.message),
        }
    }
    entry.filter(|_| clean)
}

fn check_entry<'a>(text: &str, member: &'a Member, problems: &mut Problems) -> Option<Entry<'a>> {
    let name = &member.key;
    let value = &member.value;
    let state = match value.get("state") {
        None => "created",
        Some(Value { kind: Kind::String(state), span }) => match state.as_str() {
            "created" | "deleted" | "renamed" | "transferred" | "expecting-transfer" => state.as_str(),
            other => {
                problems.at(
                    text,
                    span.start,
                    format!(
                        "exports entry `{name}`: unknown state `{other}`: expected one of created (the default), deleted, renamed, transferred, expecting-transfer"
                    ),
                );
                return None;
            }
        },
        Some(other) => {
            problems.at(text, other.span.start, format!("exports entry `{name}`: `state` must be a string"));
            return None;
        }
    };
    for key in value.as_object().unwrap_or_default() {
        if !allowed_keys(state).contains(&key.key.as_str()) {
            problems.at(
                text,
                key.key_span.start,
                format!("exports entry `{name}`: `{}` is not allowed in state `{state}` (allowed: {})", key.key, allowed_keys(state).join(", ")),
            );
        }
    }
    let string = |field: &str, problems: &mut Problems| -> Option<String> {
        match value.get(field) {
            Some(Value { kind: Kind::String(s), .. }) if !s.is_empty() => Some(s.clone()),
            Some(other) => {
                problems.at(text, other.span.start, format!("exports entry `{name}`: `{field}` must be a non-empty string"));
                None
            }
            None => {
                problems.at(text, value.span.start, format!("exports entry `{name}` (state `{state}`) needs a string `{field}`"));
                None
            }
        }
    };
    let storage = |problems: &mut Problems| -> Option<Storage> {
        match value.get("storage") {
            Some(Value { kind: Kind::String(s), .. }) if s == "sqlite" => Some(Storage::Sqlite),
            Some(Value { kind: Kind::String(s), .. }) if s == "legacy-kv" => Some(Storage::Kv),
            Some(other) => {
                problems.at(text, other.span.start, format!("exports entry `{name}`: `storage` must be \"sqlite\" or \"legacy-kv\""));
                None
            }
            None => {
                problems.at(text, value.span.start, format!("exports entry `{name}` (state `{state}`) needs its `storage`: \"sqlite\" or \"legacy-kv\""));
                None
            }
        }
    };
    let state = match state {
        "created" => storage(problems).map(|storage| State::Created { storage }),
        "expecting-transfer" => {
            let storage = storage(problems);
            let from = string("transfer_from", problems);
            storage.zip(from).map(|(storage, from_script)| State::ExpectingTransfer { storage, from_script })
        }
        "deleted" => Some(State::Deleted),
        "renamed" => match string("renamed_to", problems) {
            Some(to) if to == *name => {
                let at = value.get("renamed_to").map_or(value.span.start, |v| v.span.start);
                problems.at(text, at, format!("exports entry `{name}` is renamed to itself"));
                None
            }
            to => to.map(|to| State::Renamed { to }),
        },
        _ => string("transferred_to", problems).map(|to_script| State::Transferred { to_script }),
    };
    let container = value.get("container").and_then(Value::as_str).map(str::to_owned);
    Some(Entry { value, line: jsonc::line_col(text, member.key_span.start).0, state: state?, container })
}

impl Exports<'_> {
    /// The classes the map says exist (and which are gone), as a [`History`].
    pub fn history(&self, text: &str) -> History {
        let mut history = History { one_line_entries: self.one_line_entries(text), ..History::default() };
        for (name, entry) in &self.entries {
            let live = |storage: Storage, since: String| LiveClass { storage: Some(storage), since, line: entry.line };
            match &entry.state {
                State::Created { storage } => {
                    history.live.insert(name.clone(), live(*storage, "its `exports` entry".to_owned()));
                }
                State::ExpectingTransfer { storage, from_script } => {
                    let since = format!("its `exports` entry, expecting a transfer from the script `{from_script}`");
                    history.live.insert(name.clone(), live(*storage, since));
                }
                State::Deleted => {
                    let why = "its `exports` entry says it is deleted".to_owned();
                    history.gone.insert(name.clone(), Gone { why, deleted: true });
                }
                State::Renamed { to } => {
                    let why = format!("its `exports` entry says it was renamed to `{to}`");
                    history.gone.insert(name.clone(), Gone { why, deleted: false });
                }
                State::Transferred { to_script } => {
                    let why = format!("its `exports` entry says it was transferred to the script `{to_script}`");
                    history.gone.insert(name.clone(), Gone { why, deleted: false });
                }
            }
        }
        history
    }

    /// Whether every Durable Object entry is written on one line (also when
    /// there is none).
    pub fn one_line_entries(&self, text: &str) -> bool {
        self.entries.values().all(|e| !text[e.value.span.clone()].contains('\n'))
    }
}

/// The JSON text of an entry: `{ "type": "durable-object", ... }` on one line,
/// or one field per line indented by `unit`.
pub fn entry_text(state: &State, container: Option<&str>, one_line: bool, unit: &str) -> String {
    let mut fields = vec![("type", json(DURABLE_OBJECT))];
    match state {
        State::Created { storage } => fields.push(("storage", json(storage_value(*storage)))),
        State::ExpectingTransfer { storage, from_script } => {
            fields.push(("state", json("expecting-transfer")));
            fields.push(("storage", json(storage_value(*storage))));
            fields.push(("transfer_from", json(from_script)));
        }
        State::Deleted => fields.push(("state", json("deleted"))),
        State::Renamed { to } => {
            fields.push(("state", json("renamed")));
            fields.push(("renamed_to", json(to)));
        }
        State::Transferred { to_script } => {
            fields.push(("state", json("transferred")));
            fields.push(("transferred_to", json(to_script)));
        }
    }
    if let (Some(container), true) = (container, state.is_live()) {
        fields.push(("container", json(container)));
    }
    let fields: Vec<String> = fields.into_iter().map(|(k, v)| format!("{}: {v}", json(k))).collect();
    if one_line {
        format!("{{ {} }}", fields.join(", "))
    } else {
        format!("{{\n{unit}{}\n}}", fields.join(&format!(",\n{unit}")))
    }
}

/// A config converted from `migrations` to `exports`.
#[derive(Debug)]
pub struct Conversion {
    /// The converted config (equal to the input when there was nothing to do).
    pub text: String,
    /// One line per converted scope, for the user.
    pub changes: Vec<String>,
    /// What else the user should know (comments that went with `migrations`).
    pub notes: Vec<String>,
}

/// One scope (the top level or an environment) whose `migrations` convert.
struct Scope<'a> {
    label: String,
    container: &'a Value,
    migrations: &'a Member,
    exports: Option<&'a Member>,
    history: History,
}

/// Rewrites every `migrations` array of `text` (the top level's and each
/// environment's own) into the `exports` map declaring the same classes:
/// each live class `created` with its storage, each earlier name of a live
/// class `renamed` to its current name, each name of a deleted class
/// `deleted`. The tombstones keep the result right for a deployment that has
/// not applied every migration yet.
///
/// Refuses (with the position) what the map cannot say: a class transferred in
/// from another script by `transferred_classes`. Before returning, reads the
/// result back and checks that it declares the same live classes with the same
/// storage, names every class the migrations ever named, and leaves the rest
/// of the config as it was.
pub fn convert(text: &str) -> Result<Conversion, Problems> {
    let mut problems = Problems::default();
    let root = match jsonc::parse(text) {
        Ok(root) => root,
        Err(e) => {
            problems.general_at(e.line, e.column, format!("not valid JSONC: {}", e.message));
            return Err(problems);
        }
    };
    let mut containers: Vec<(String, &Value)> = vec![(String::new(), &root)];
    if let Some(envs) = root.get("env").and_then(Value::as_object) {
        containers.extend(envs.iter().filter(|m| m.value.as_object().is_some()).map(|m| (format!(" (env.{})", m.key), &m.value)));
    }
    fn member<'v>(container: &'v Value, key: &str) -> Option<&'v Member> {
        container.as_object().and_then(|members| members.iter().find(|m| m.key == key))
    }
    let mut scopes = Vec::new();
    for (label, container) in containers {
        let Some(migrations) = member(container, "migrations") else { continue };
        let exports = member(container, "exports");
        let has_entries = migrations.value.as_array().is_some_and(|a| !a.is_empty());
        if has_entries && declares_durable_objects(exports.map(|m| &m.value)) {
            let at = exports.map_or(migrations.key_span.start, |m| m.key_span.start);
            problems.at(text, at, format!("`migrations` and `exports`{label} both declare Durable Objects: wrangler accepts one or the other; remove one by hand"));
            continue;
        }
        if let Some(exports) = exports {
            if exports.value.as_object().is_none() {
                problems.at(text, exports.value.span.start, format!("`exports`{label} must be an object"));
                continue;
            }
        }
        let history = history::replay(text, Some(&migrations.value), &mut problems);
        for (class, at) in &history.transfers {
            problems.at(
                text,
                *at,
                format!(
                    "`{class}`{label} came from another script by `transferred_classes`: `exports` cannot say that (a transfer there is \
                     two-phase, `expecting-transfer` here and `transferred` in the other script, and names the class's storage, which \
                     the migrations do not). This config stays on `migrations`"
                ),
            );
        }
        scopes.push(Scope { label, container, migrations, exports, history });
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    if scopes.is_empty() {
        if declares_durable_objects(root.get("exports")) {
            let note = "the config already declares its Durable Objects in `exports`: nothing to convert".to_owned();
            return Ok(Conversion { text: text.to_owned(), changes: Vec::new(), notes: vec![note] });
        }
        problems.general("the config has no `migrations` to convert (`durable config` writes `exports` for a config with neither)");
        return Err(problems);
    }

    let unit = jsonc::indent_unit(text);
    let mut edits: Vec<Edit> = Vec::new();
    let mut changes = Vec::new();
    let mut notes = Vec::new();
    for scope in &scopes {
        let entries = exports_for(&scope.history);
        let one_line = scope.history.one_line_entries;
        let items: Vec<(String, String)> = entries.iter().map(|(name, state)| (name.clone(), entry_text(state, None, one_line, &unit))).collect();
        let count = scope.history.tags.len();
        match scope.exports {
            None => {
                let body = if items.is_empty() {
                    "{}".to_owned()
                } else {
                    let lines: Vec<String> = items.iter().map(|(k, v)| format!("{unit}{}: {}", json(k), v.replace('\n', &format!("\n{unit}")))).collect();
                    format!("{{\n{}\n}}", lines.join(",\n"))
                };
                edits.push(jsonc::replace_member(text, scope.migrations, "exports", &body));
            }
            Some(exports) => {
                // A map with only other exports (Workflows, entrypoints): the
                // classes join it and `migrations` goes.
                let index = scope.container.as_object().unwrap_or_default().iter().position(|m| std::ptr::eq(m, scope.migrations));
                edits.extend(index.map(|i| jsonc::remove_element(text, scope.container, i)).unwrap_or_default());
                if !items.is_empty() {
                    edits.push(jsonc::append_members(text, &exports.value, &items));
                }
            }
        }
        let dropped = jsonc::comment_lines(text, scope.migrations.value.span.clone());
        if !dropped.is_empty() {
            let lines: Vec<String> = dropped.iter().map(usize::to_string).collect();
            notes.push(format!(
                "the comments inside `migrations`{} (line{} {}) went with it",
                scope.label,
                if lines.len() == 1 { "" } else { "s" },
                lines.join(", ")
            ));
        }
        changes.push(format!(
            "`migrations`{} ({count} entr{}) -> `exports`: {}",
            scope.label,
            if count == 1 { "y" } else { "ies" },
            summary(&entries)
        ));
    }
    let out = jsonc::apply(text, &edits).map_err(|e| internal(&format!("the conversion's edits do not apply ({e})")))?;
    verify(text, &root, &out, &scopes)?;
    Ok(Conversion { text: out, changes, notes })
}

/// The entries declaring what `history` ends with, live classes first (in the
/// order they were created), then the tombstones.
fn exports_for(history: &History) -> Vec<(String, State)> {
    let mut entries: Vec<(String, State)> = Vec::new();
    let mut used = BTreeSet::new();
    let live = history.namespaces.iter().filter(|n| !n.deleted);
    for namespace in live.clone() {
        let (Some(name), Some(storage)) = (namespace.names.last(), namespace.storage) else { continue };
        used.insert(name.clone());
        entries.push((name.clone(), State::Created { storage }));
    }
    for namespace in live {
        let Some(current) = namespace.names.last() else { continue };
        for name in &namespace.names[..namespace.names.len() - 1] {
            if used.insert(name.clone()) {
                entries.push((name.clone(), State::Renamed { to: current.clone() }));
            }
        }
    }
    for namespace in history.namespaces.iter().filter(|n| n.deleted) {
        for name in &namespace.names {
            if used.insert(name.clone()) {
                entries.push((name.clone(), State::Deleted));
            }
        }
    }
    entries
}

fn summary(entries: &[(String, State)]) -> String {
    let names = |pick: &dyn Fn(&State) -> bool| -> Vec<String> {
        entries.iter().filter(|(_, s)| pick(s)).map(|(n, _)| format!("`{n}`")).collect()
    };
    let mut parts = Vec::new();
    let sqlite = names(&|s| matches!(s, State::Created { storage: Storage::Sqlite }));
    let kv = names(&|s| matches!(s, State::Created { storage: Storage::Kv }));
    if !sqlite.is_empty() {
        parts.push(format!("SQLite-backed {}", sqlite.join(", ")));
    }
    if !kv.is_empty() {
        parts.push(format!("key-value-backed {}", kv.join(", ")));
    }
    let renamed: Vec<String> = entries
        .iter()
        .filter_map(|(n, s)| match s {
            State::Renamed { to } => Some(format!("`{n}` renamed to `{to}`")),
            _ => None,
        })
        .collect();
    if !renamed.is_empty() {
        parts.push(renamed.join(", "));
    }
    let deleted = names(&|s| matches!(s, State::Deleted));
    if !deleted.is_empty() {
        parts.push(format!("deleted {}", deleted.join(", ")));
    }
    if parts.is_empty() {
        "no classes".to_owned()
    } else {
        parts.join("; ")
    }
}

/// Reads the converted text back and checks it against the migrations.
fn verify(before: &str, before_root: &Value, after: &str, scopes: &[Scope]) -> Result<(), Problems> {
    let root = jsonc::parse(after).map_err(|e| internal(&format!("the converted config does not parse ({e})")))?;
    let container_of = |root: &Value, label: &str| -> Option<Value> {
        match label.strip_prefix(" (env.").and_then(|l| l.strip_suffix(')')) {
            Some(env) => root.get("env")?.get(env).cloned(),
            None => Some(root.clone()),
        }
    };
    for scope in scopes {
        let container = container_of(&root, &scope.label).ok_or_else(|| internal("a converted scope is gone"))?;
        if container.get("migrations").is_some() {
            return Err(internal(&format!("`migrations`{} is still there", scope.label)));
        }
        let mut problems = Problems::default();
        let exports = container.get("exports").and_then(|e| read(after, e, &mut problems));
        let Some(exports) = exports.filter(|_| problems.is_empty()) else {
            return Err(internal(&format!("the written `exports`{} does not read back", scope.label)));
        };
        let read_back = exports.history(after);
        let storages = |h: &History| -> BTreeMap<String, Option<Storage>> { h.live.iter().map(|(n, l)| (n.clone(), l.storage)).collect() };
        if storages(&read_back) != storages(&scope.history) {
            return Err(internal(&format!("`exports`{} does not declare the classes the migrations leave", scope.label)));
        }
        for name in scope.history.namespaces.iter().flat_map(|n| &n.names) {
            if !exports.entries.contains_key(name) {
                return Err(internal(&format!("`exports`{} lacks an entry for `{name}`", scope.label)));
            }
        }
        for entry in exports.entries.values() {
            if let State::Renamed { to } = &entry.state {
                if !read_back.live.contains_key(to) {
                    return Err(internal(&format!("`exports`{} renames to `{to}`, which is not live", scope.label)));
                }
            }
        }
        for (name, other) in &exports.others {
            let was = container_of(before_root, &scope.label).and_then(|c| c.get("exports").and_then(|e| e.get(name)).map(plain));
            if was != exports.object.get(name).map(plain) {
                return Err(internal(&format!("the `{other}` export `{name}` changed")));
            }
        }
    }
    // Everything else is as it was.
    let mut old = plain(before_root);
    let mut new = plain(&root);
    for scope in scopes {
        for value in [&mut old, &mut new] {
            let container = match scope.label.strip_prefix(" (env.").and_then(|l| l.strip_suffix(')')) {
                Some(env) => value.get_mut("env").and_then(|e| e.get_mut(env)),
                None => Some(value),
            };
            if let Some(object) = container.and_then(serde_json::Value::as_object_mut) {
                object.remove("migrations");
                object.remove("exports");
            }
        }
    }
    if old != new || before.starts_with('\u{feff}') != after.starts_with('\u{feff}') {
        return Err(internal("the conversion changed more than `migrations` and `exports`"));
    }
    Ok(())
}

/// A value without positions, for comparing documents.
fn plain(value: &Value) -> serde_json::Value {
    match &value.kind {
        Kind::Object(members) => serde_json::Value::Object(members.iter().map(|m| (m.key.clone(), plain(&m.value))).collect()),
        Kind::Array(items) => serde_json::Value::Array(items.iter().map(plain).collect()),
        Kind::String(s) => serde_json::Value::String(s.clone()),
        Kind::Number(n) => serde_json::Value::String(format!("number {n}")),
        Kind::Bool(b) => serde_json::Value::Bool(*b),
        Kind::Null => serde_json::Value::Null,
    }
}

fn internal(what: &str) -> Problems {
    let mut problems = Problems::default();
    problems.general(format!("internal error of durable config --to-exports: {what}; the file was left untouched (please report this)"));
    problems
}

#[cfg(test)]
mod tests;
