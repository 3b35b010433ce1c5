//! Brings a wrangler config up to date with the classes the code declares: a
//! binding per class, and what each class's lifecycle needs, in the form the
//! config uses:
//!
//! - the declarative `exports` map (wrangler 4.107 and later): an entry per
//!   class, `{ "type": "durable-object", "storage": "sqlite" }`, turned into a
//!   `renamed` or `deleted` tombstone when the class goes. Used when the
//!   config has Durable Object entries there, and for a config with neither
//!   `exports` nor `migrations` (a new project);
//! - the `migrations` array, when the config has one: a new entry for what
//!   changed, the entries already written never touched.
//!
//! Both at once are refused, as wrangler refuses them. The config's text is
//! edited in place (insertions; for renamed or deleted classes the binding's
//! `class_name` or the binding itself, and the class's `exports` entry), so its
//! comments and layout survive. Every run checks its own result: planning
//! again on the output must find nothing left to do.
//!
//! Data flows one way: [`Declared`] classes + config text -> [`history`]
//! replay (or [`exports::read`]) -> plan per scope (top level, each
//! `env.<name>`) -> [`jsonc::Edit`]s.

use std::collections::{BTreeMap, BTreeSet};

use crate::build::classes::{Class, Storage};
use super::exports::{self, Exports, State};
use super::history::{self, History};
use super::jsonc::{self, quote as json, Edit, Value};
use super::problem::Problems;

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
    /// Convert the config's `migrations` to `exports` first (`durable config
    /// --to-exports`, see [`exports::convert`]); [`generate`] itself ignores it.
    pub to_exports: bool,
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
    /// How the top level declares its classes: `"exports"` or `"migrations"`.
    pub lifecycle: &'static str,
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
    let lifecycle = match first.form {
        Some(Form::Migrations) => "migrations",
        _ => "exports",
    };
    Ok(Outcome { text, changes: first.changes, warnings: first.warnings, lifecycle })
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
    /// The top level's form.
    form: Option<Form>,
    rewrites: Vec<Edit>,
    inserts: Vec<Edit>,
    changes: Vec<String>,
    warnings: Vec<String>,
}

/// How a scope says which classes exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// The `migrations` array.
    Migrations,
    /// The declarative `exports` map.
    Exports,
}

impl Form {
    /// Where the classes are declared, for messages.
    fn place(self) -> &'static str {
        match self {
            Form::Migrations => "the migrations",
            Form::Exports => "`exports`",
        }
    }
}

/// What a scope's lifecycle must add.
#[derive(Debug)]
struct Lifecycle<'a> {
    form: Form,
    /// The scope's `exports` map, when it has one.
    exports: Option<Exports<'a>>,
    history: History,
    created: Vec<(String, Storage)>,
    renamed: Vec<(String, String)>,
    deleted: Vec<String>,
    /// `exports` only: classes a `renamed` entry names that still need their
    /// live entry: (old name, new name, storage).
    completed: Vec<(String, String, Storage)>,
}

impl Lifecycle<'_> {
    fn is_empty(&self) -> bool {
        self.created.is_empty() && self.renamed.is_empty() && self.deleted.is_empty() && self.completed.is_empty()
    }

    /// The `exports` entry of `name`, if the scope has one.
    fn entry(&self, name: &str) -> Option<&exports::Entry<'_>> {
        self.exports.as_ref().and_then(|map| map.entries.get(name))
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

    // The lifecycle: the top level's, and each environment's own (an
    // environment without `migrations` or `exports` inherits the top level's,
    // as wrangler does).
    let (top_migrations, top_exports) = (root.get("migrations"), root.get("exports"));
    let top = form_of(text, "", (top_migrations, "`migrations`"), (top_exports, "`exports`"), &mut problems)
        .map(|form| plan_lifecycle(text, "", &root, form, declared, options, &mut problems));
    let mut envs: Vec<(String, &Value, Option<Lifecycle>)> = Vec::new();
    if let Some(env) = root.get("env") {
        match env.as_object() {
            None => problems.at(text, env.span.start, "`env` must be an object of environments"),
            Some(members) => {
                for member in members {
                    let env = &member.value;
                    if env.as_object().is_none() {
                        problems.at(text, env.span.start, format!("environment `{}` must be an object", member.key));
                        continue;
                    }
                    let label = format!(" (env.{})", member.key);
                    let (own_migrations, own_exports) = (env.get("migrations"), env.get("exports"));
                    if own_migrations.is_none() && own_exports.is_none() {
                        envs.push((label, env, None));
                        continue;
                    }
                    let migrations = match own_migrations {
                        Some(own) => (Some(own), "its `migrations`"),
                        None => (top_migrations, "the top level's `migrations` (inherited)"),
                    };
                    let exports = match own_exports {
                        Some(own) => (Some(own), "its `exports`"),
                        None => (top_exports, "the top level's `exports` (inherited)"),
                    };
                    let form = form_of(text, &label, migrations, exports, &mut problems);
                    let own = match form {
                        Some(Form::Migrations) => own_migrations.is_some(),
                        Some(Form::Exports) => own_exports.is_some(),
                        None => false,
                    };
                    let lifecycle = match form {
                        Some(form) if own => Some(plan_lifecycle(text, &label, env, form, declared, options, &mut problems)),
                        _ => None,
                    };
                    envs.push((label, env, lifecycle));
                }
            }
        }
    }
    let Some(top) = top else { return Err(problems) };
    plan.form = Some(top.form);

    // Bindings before the lifecycle: where both sections are new, they read
    // in that order.
    plan_bindings(text, "", &root, declared, &top, &mut problems, &mut plan);
    write_lifecycle(text, "", &root, &top, &mut plan);
    for (label, env, own) in &envs {
        plan_bindings(text, label, env, declared, own.as_ref().unwrap_or(&top), &mut problems, &mut plan);
        if let Some(own) = own {
            write_lifecycle(text, label, env, own, &mut plan);
        }
    }
    if problems.is_empty() {
        Ok(plan)
    } else {
        Err(problems)
    }
}

/// The form of a scope with these `migrations` and `exports` (its own or
/// inherited, each with a description for messages): `exports` when it has
/// Durable Object entries, else `migrations` when there is that array, else
/// `exports` (a new project). `None`, with a problem, when both declare
/// Durable Objects.
fn form_of(
    text: &str,
    label: &str,
    (migrations, migrations_from): (Option<&Value>, &str),
    (exports, exports_from): (Option<&Value>, &str),
    problems: &mut Problems,
) -> Option<Form> {
    if let Some(e) = exports.filter(|e| e.as_object().is_none()) {
        problems.at(text, e.span.start, format!("`exports`{label} must be an object: class name -> {{ \"type\": \"durable-object\", ... }}"));
        return None;
    }
    let has_migrations = migrations.and_then(Value::as_array).is_some_and(|entries| !entries.is_empty());
    match (exports::declares_durable_objects(exports), exports) {
        (true, Some(e)) if has_migrations => {
            problems.at(
                text,
                e.span.start,
                format!(
                    "{migrations_from} and {exports_from}{label} both declare Durable Objects: wrangler refuses a config with both. \
                     Keep one: `durable config --to-exports` turns `migrations` into `exports` once the Durable Object entries of \
                     `exports` are gone"
                ),
            );
            None
        }
        (true, _) => Some(Form::Exports),
        (false, _) if migrations.is_some() => Some(Form::Migrations),
        (false, _) => Some(Form::Exports),
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

/// Why a new key-value-backed class is refused.
fn kv_refused(class: &Declared) -> String {
    format!(
        "{} is a new class declared `storage = \"kv\"` (the legacy key-value backend): refused. Since July 2026, Cloudflare \
         accounts that have no key-value-backed Durable Object namespace cannot create new ones, so the deploy would fail (or, \
         on an account that still may, start a class on the backend that is being retired). Remove `storage = \"kv\"`: the \
         default SQLite-backed storage has the same key-value API, plus SQL. Classes that already exist as key-value-backed \
         keep working, and keep their attribute",
        class.describe()
    )
}

/// A transfer is the user's to write: `durable config` never edits one.
fn transfer_is_yours(name: &str, label: &str, what: &str) -> String {
    format!(
        "{what}, but `{name}`{label} is in a transfer between scripts (`expecting-transfer` in `exports`): transfers are yours \
         to manage, and durable config never edits them. Finish or undo the transfer by editing its entry by hand"
    )
}

fn plan_lifecycle<'a>(
    text: &str,
    label: &str,
    container: &'a Value,
    form: Form,
    declared: &[Declared],
    options: &Options,
    problems: &mut Problems,
) -> Lifecycle<'a> {
    let (history, map) = match form {
        Form::Migrations => (history::replay(text, container.get("migrations"), problems), None),
        Form::Exports => match container.get("exports").and_then(|value| exports::read(text, value, problems)) {
            Some(map) => (map.history(text), Some(map)),
            None => (History { one_line_entries: true, ..History::default() }, None),
        },
    };
    let mut plan = Lifecycle {
        form,
        exports: map,
        history,
        created: Vec::new(),
        renamed: Vec::new(),
        deleted: Vec::new(),
        completed: Vec::new(),
    };
    let place = form.place();
    let expecting_transfer = |plan: &Lifecycle, name: &str| plan.entry(name).is_some_and(|e| matches!(e.state, State::ExpectingTransfer { .. }));
    let mut renamed_sources = BTreeSet::new();
    for class in declared {
        if let Some(live) = plan.history.live.get(&class.js) {
            check_storage(class, &class.js, live, label, form, problems);
            continue;
        }
        if let Some(map) = &plan.exports {
            if let Some(kind) = map.others.get(&class.js) {
                let at = map.object.get(&class.js).map_or(map.object.span.start, |v| v.span.start);
                let message = format!(
                    "{} is a Durable Object class, but the exports entry `{}`{label} is a `{kind}` export: one name cannot be both; \
                     rename the class (#[durable_object(name = \"...\")]) or that export",
                    class.describe(),
                    class.js
                );
                problems.at(text, at, message);
                continue;
            }
            if let Some(entry) = map.entries.get(&class.js) {
                if let State::Transferred { to_script } = &entry.state {
                    let message = format!(
                        "{} is declared, but its exports entry{label} says it was transferred to the script `{to_script}`: transfers \
                         are yours to manage, and durable config never edits them. Rename the class, or change that entry by hand",
                        class.describe()
                    );
                    problems.general_at(entry.line, 1, message);
                    continue;
                }
            }
            let pending = map.entries.iter().find(|(_, e)| matches!(&e.state, State::Renamed { to } if *to == class.js));
            if let Some((old, _)) = pending {
                // The rename is written; the class still needs its live entry.
                plan.completed.push((old.clone(), class.js.clone(), class.storage));
                continue;
            }
        }
        match &class.renamed_from {
            Some(old) => match plan.history.live.get(old) {
                Some(_) if expecting_transfer(&plan, old) => {
                    problems.general(transfer_is_yours(old, label, &format!("{} is declared `renamed_from = \"{old}\"`", class.describe())));
                }
                Some(_) if plan.entry(old).is_some_and(|e| e.container.is_some()) => {
                    problems.general(format!(
                        "{} is declared `renamed_from = \"{old}\"`, and the exports entry `{old}`{label} has a `container`: rename \
                         it by hand (`{old}` becomes {{ \"type\": \"durable-object\", \"state\": \"renamed\", \"renamed_to\": \"{}\" }}, \
                         and `{}` gets its entry with the `container`)",
                        class.describe(),
                        class.js,
                        class.js
                    ));
                }
                Some(live) => {
                    check_storage(class, old, live, label, form, problems);
                    renamed_sources.insert(old.clone());
                    plan.renamed.push((old.clone(), class.js.clone()));
                }
                None => {
                    let why = match plan.history.gone.get(old) {
                        Some(gone) => gone.why.clone(),
                        None if form == Form::Migrations => "no migration creates it".to_owned(),
                        None => "it has no entry there".to_owned(),
                    };
                    problems.general(format!(
                        "{} is declared `renamed_from = \"{old}\"`, but there is no class `{old}` to rename in {place}{label}: {why}. \
                         Remove `renamed_from` to create `{}` as a new, empty class",
                        class.describe(),
                        class.js
                    ));
                }
            },
            None if class.storage == Storage::Kv => problems.general(kv_refused(class)),
            None => plan.created.push((class.js.clone(), class.storage)),
        }
    }
    let declared_names: BTreeSet<&str> = declared.iter().map(|c| c.js.as_str()).collect();
    for (name, live) in &plan.history.live {
        if declared_names.contains(name.as_str()) || renamed_sources.contains(name) {
            continue;
        }
        if expecting_transfer(&plan, name) {
            problems.general_at(live.line, 1, transfer_is_yours(name, label, &format!("the code no longer declares `{name}`")));
        } else if options.delete.contains(name) {
            plan.deleted.push(name.clone());
        } else {
            let delete = match form {
                Form::Migrations => "writes a `deleted_classes` migration",
                Form::Exports => "marks its `exports` entry `\"state\": \"deleted\"`",
            };
            problems.general_at(
                live.line,
                1,
                format!(
                    "class `{name}` exists ({}){label} but the code no longer declares it. \
                     If it was renamed, add #[durable_object(renamed_from = \"{name}\")] to its new struct: its objects keep their data. \
                     If it is meant to go, run `durable config --delete {name}`: that {delete}, which \
                     destroys every `{name}` object and all of its stored data when deployed",
                    live.since
                ),
            );
        }
    }
    for name in &options.delete {
        if plan.history.live.contains_key(name) {
            if declared_names.contains(name.as_str()) {
                problems.general(format!("--delete {name}: the code still declares `{name}`; remove the class from the code first"));
            }
        } else if label.is_empty() {
            match plan.history.gone.get(name) {
                Some(gone) if gone.deleted => {}
                Some(gone) => problems.general(format!("--delete {name}: there is no class `{name}` to delete: {}", gone.why)),
                None => problems.general(format!("--delete {name}: there is no class `{name}` in {place} of this config")),
            }
        }
    }
    // A `renamed` entry must name a live class.
    if let Some(map) = &plan.exports {
        let live_after: BTreeSet<&str> = plan
            .history
            .live
            .keys()
            .map(String::as_str)
            .chain(plan.created.iter().map(|(n, _)| n.as_str()))
            .chain(plan.renamed.iter().map(|(_, n)| n.as_str()))
            .chain(plan.completed.iter().map(|(_, n, _)| n.as_str()))
            .chain(plan.deleted.iter().map(String::as_str))
            .collect();
        for (name, entry) in &map.entries {
            if let State::Renamed { to } = &entry.state {
                if !live_after.contains(to.as_str()) {
                    problems.general_at(
                        entry.line,
                        1,
                        format!(
                            "exports entry `{name}`{label} says it was renamed to `{to}`, but `{to}` is neither a live class in `exports` \
                             nor one the code declares: the target of a rename must have a live (`created`) entry"
                        ),
                    );
                }
            }
        }
    }
    plan
}

fn check_storage(class: &Declared, existing: &str, live: &history::LiveClass, label: &str, form: Form, problems: &mut Problems) {
    let Some(storage) = live.storage else { return };
    if storage != class.storage {
        let name = |s: Storage| match (form, s) {
            (Form::Migrations, Storage::Sqlite) => "SQLite (`new_sqlite_classes`)",
            (Form::Migrations, Storage::Kv) => "key-value (`new_classes`)",
            (Form::Exports, Storage::Sqlite) => "SQLite (`\"storage\": \"sqlite\"`)",
            (Form::Exports, Storage::Kv) => "key-value (`\"storage\": \"legacy-kv\"`)",
        };
        problems.general_at(
            live.line,
            1,
            format!(
                "{} is declared with {} storage, but {}{label} made `{existing}` a {} class: \
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

fn write_lifecycle(text: &str, label: &str, container: &Value, lifecycle: &Lifecycle, plan: &mut Plan) {
    if lifecycle.is_empty() {
        return;
    }
    match lifecycle.form {
        Form::Migrations => write_migration(text, label, container, lifecycle, plan),
        Form::Exports => write_exports(text, label, container, lifecycle, plan),
    }
}

/// Writes the scope's `exports` entries: new ones appended to the map (or a
/// new map), existing ones (a renamed or deleted class, a tombstone naming
/// it, a tombstone taken by a new class) rewritten in place.
fn write_exports(text: &str, label: &str, container: &Value, lifecycle: &Lifecycle, plan: &mut Plan) {
    let map = lifecycle.exports.as_ref();
    let old_storage = |name: &str| lifecycle.history.live.get(name).and_then(|l| l.storage).unwrap_or(Storage::Sqlite);
    // What each entry must become, the first word for a name winning.
    let mut wanted: Vec<(String, State)> = Vec::new();
    let mut summary = Vec::new();
    for (name, storage) in &lifecycle.created {
        wanted.push((name.clone(), State::Created { storage: *storage }));
        summary.push(format!("new {} `{name}`", backend(*storage)));
    }
    for (from, to) in &lifecycle.renamed {
        wanted.push((from.clone(), State::Renamed { to: to.clone() }));
        wanted.push((to.clone(), State::Created { storage: old_storage(from) }));
        summary.push(format!("rename `{from}` to `{to}` (its objects and their data move along)"));
    }
    for (from, to, storage) in &lifecycle.completed {
        wanted.push((to.clone(), State::Created { storage: *storage }));
        summary.push(format!("`{to}` gets the live entry that the rename from `{from}` needs"));
    }
    for name in &lifecycle.deleted {
        wanted.push((name.clone(), State::Deleted));
        summary.push(format!("delete `{name}`"));
    }
    // Tombstones naming a class that is renamed or deleted now follow it.
    let mut followers: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (name, entry) in map.map(|m| &m.entries).into_iter().flatten() {
        let State::Renamed { to } = &entry.state else { continue };
        if let Some((_, new)) = lifecycle.renamed.iter().find(|(from, _)| from == to) {
            if new != name {
                wanted.push((name.clone(), State::Renamed { to: new.clone() }));
            }
        } else if lifecycle.deleted.contains(to) {
            wanted.push((name.clone(), State::Deleted));
            followers.entry(to.as_str()).or_default().push(name.as_str());
        }
    }
    for name in &lifecycle.deleted {
        let also = followers.get(name.as_str()).map_or(String::new(), |names| {
            let names: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
            format!(" (its earlier name{} {} too)", if names.len() == 1 { "" } else { "s" }, names.join(", "))
        });
        plan.warnings.push(format!(
            "`exports`{label} marks class `{name}` deleted{also}: once deployed, every `{name}` object and all of its stored data \
             (SQL tables, key-value pairs, alarms) are destroyed, for good"
        ));
    }

    let one_line = map.is_none_or(|m| m.one_line_entries(text));
    let unit = jsonc::indent_unit(text);
    let mut seen = BTreeSet::new();
    let mut inserts: Vec<(String, String)> = Vec::new();
    for (name, state) in wanted {
        if !seen.insert(name.clone()) {
            continue;
        }
        let entry = map.and_then(|m| m.entries.get(&name));
        let new_text = exports::entry_text(&state, entry.and_then(|e| e.container.as_deref()), one_line, &unit);
        match entry {
            Some(entry) if entry.state == state => {}
            Some(entry) => plan.rewrites.push(jsonc::replace_value_indented(text, entry.value, &new_text)),
            None => inserts.push((name, new_text)),
        }
    }
    if !inserts.is_empty() {
        let edit = match map {
            Some(map) => jsonc::append_members(text, map.object, &inserts),
            None => {
                let lines: Vec<String> =
                    inserts.iter().map(|(k, v)| format!("{unit}{}: {}", json(k), v.replace('\n', &format!("\n{unit}")))).collect();
                jsonc::append_member(text, container, "exports", &format!("{{\n{}\n}}", lines.join(",\n")))
            }
        };
        plan.inserts.push(edit);
    }
    plan.changes.push(format!("exports{label}: {}", summary.join("; ")));
}

fn backend(storage: Storage) -> &'static str {
    match storage {
        Storage::Sqlite => "SQLite-backed",
        Storage::Kv => "key-value-backed",
    }
}

/// Appends the scope's new migration entry.
fn write_migration(text: &str, label: &str, container: &Value, migration: &Lifecycle, plan: &mut Plan) {
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
    migration: &Lifecycle,
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

/// `ChatRoom` -> `CHAT_ROOM`: the default binding name of a class. One rule,
/// shared with `#[durable_object]` (whose `Namespace::from_env_default` must
/// find the binding written here).
pub use durable_codegen::attr::screaming_snake;

fn names(list: &[&String]) -> String {
    list.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests;
