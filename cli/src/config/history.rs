//! The migration history of a wrangler config: which classes exist after the
//! `migrations` entries already written, in order.
//!
//! Cloudflare applies migrations by tag, in order, and never again; an entry
//! that contradicts the ones before it (a class created twice, a rename from a
//! class that never existed) is refused at deploy time, after the upload. Here
//! it is found before, with the line that says it.
//!
//! A [`History`] is also what [`super::exports`] makes of the declarative
//! `exports` map, so that the planner sees one shape for both forms.

use std::collections::BTreeMap;

use crate::build::classes::Storage;
use super::jsonc::{self, Kind, Value};
use super::problem::Problems;

/// A class that exists once the history is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveClass {
    /// Its storage backend; `None` when it came from another script by a
    /// transfer (the backend is whatever it had there).
    pub storage: Option<Storage>,
    /// What made it exist under this name, for messages: ``migration `v2` ``
    /// or ``its `exports` entry``.
    pub since: String,
    /// That migration's (or entry's) line.
    pub line: usize,
}

/// One Durable Object namespace (the objects of a class and their data) through
/// the history: every name it had, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespace {
    /// Its class names in order; the last is the current one.
    pub names: Vec<String>,
    /// Its storage backend (`None`: transferred in from another script).
    pub storage: Option<Storage>,
    /// Whether a migration deleted it.
    pub deleted: bool,
}

/// A class name that no longer exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gone {
    /// Why, for messages: ``migration `v2` deleted it``.
    pub why: String,
    /// Whether it was deleted (with its data), not renamed or transferred away.
    pub deleted: bool,
}

/// What the `migrations` array says, replayed.
#[derive(Debug, Default)]
pub struct History {
    /// Classes that exist now, by JavaScript class name.
    pub live: BTreeMap<String, LiveClass>,
    /// Classes gone (deleted, or renamed away) and not created again.
    pub gone: BTreeMap<String, Gone>,
    /// The tags used, in order.
    pub tags: Vec<String>,
    /// Whether the entries are written one per line (`{ "tag": ... }`).
    pub one_line_entries: bool,
    /// Every namespace the migrations created, in order (for the conversion
    /// to `exports`).
    pub namespaces: Vec<Namespace>,
    /// Classes transferred in from another script: the class and the byte
    /// offset of its `transferred_classes` entry.
    pub transfers: Vec<(String, usize)>,
}

impl History {
    /// The tag for a new migration: `v<N+1>` after `v1`..`vN`, else the first
    /// free `v<count+1>`, `v<count+2>`, ...
    pub fn next_tag(&self) -> String {
        let numbered: Option<Vec<u64>> =
            self.tags.iter().map(|t| t.strip_prefix('v').and_then(|n| n.parse::<u64>().ok())).collect();
        let mut next = match numbered {
            Some(numbers) => numbers.into_iter().max().unwrap_or(0).saturating_add(1),
            None => self.tags.len() as u64 + 1,
        };
        let taken = |n: u64| self.tags.iter().any(|t| *t == format!("v{n}"));
        while taken(next) {
            match next.checked_add(1) {
                Some(n) => next = n,
                None => {
                    // At most `tags.len()` numbers are taken, so one of the
                    // first `tags.len() + 1` is free.
                    next = (1..).find(|&n| !taken(n)).unwrap_or(next);
                    break;
                }
            }
        }
        format!("v{next}")
    }
}

/// The migration kinds this tool reads. Any other key of an entry is an error:
/// wrangler would refuse it too, and a typo there silently loses a migration.
const KNOWN_KEYS: &[&str] =
    &["tag", "new_classes", "new_sqlite_classes", "renamed_classes", "deleted_classes", "transferred_classes"];

/// Replays `migrations` (the array's value, if the config has one), recording
/// every inconsistency in `problems`.
pub fn replay(text: &str, migrations: Option<&Value>, problems: &mut Problems) -> History {
    let mut history = History { one_line_entries: true, ..History::default() };
    let Some(migrations) = migrations else { return history };
    let Some(entries) = migrations.as_array() else {
        problems.at(text, migrations.span.start, "`migrations` must be an array of migration entries");
        return history;
    };
    let mut tag_lines: BTreeMap<String, usize> = BTreeMap::new();
    for entry in entries {
        let line = jsonc::line_col(text, entry.span.start).0;
        if text[entry.span.clone()].contains('\n') {
            history.one_line_entries = false;
        }
        let Some(members) = entry.as_object() else {
            problems.at(text, entry.span.start, "a migration entry must be an object with a `tag`");
            continue;
        };
        for member in members {
            if !KNOWN_KEYS.contains(&member.key.as_str()) {
                problems.at(
                    text,
                    member.key_span.start,
                    format!("unknown migration key `{}`: expected one of {}", member.key, KNOWN_KEYS.join(", ")),
                );
            }
        }
        let tag = match entry.get("tag") {
            Some(Value { kind: Kind::String(tag), span }) => {
                if let Some(first) = tag_lines.insert(tag.clone(), line) {
                    problems.at(text, span.start, format!("migration tag `{tag}` is used twice (first at line {first}): tags must be unique"));
                }
                tag.clone()
            }
            Some(other) => {
                problems.at(text, other.span.start, "a migration's `tag` must be a string");
                continue;
            }
            None => {
                problems.at(text, entry.span.start, "this migration entry has no `tag`");
                continue;
            }
        };
        history.tags.push(tag.clone());
        let mut ctx = Entry { text, tag: &tag, line, history: &mut history, problems };
        for (key, storage) in [("new_sqlite_classes", Some(Storage::Sqlite)), ("new_classes", Some(Storage::Kv))] {
            for (name, at) in ctx.names(entry.get(key), key) {
                ctx.create(&name, at, storage);
            }
        }
        if let Some(renames) = ctx.objects(entry.get("renamed_classes"), "renamed_classes") {
            for rename in renames {
                let (Some(from), Some(to)) = (ctx.field(rename, "from"), ctx.field(rename, "to")) else { continue };
                ctx.rename(&from, &to, rename.span.start);
            }
        }
        for (name, at) in ctx.names(entry.get("deleted_classes"), "deleted_classes") {
            ctx.delete(&name, at);
        }
        if let Some(transfers) = ctx.objects(entry.get("transferred_classes"), "transferred_classes") {
            for transfer in transfers {
                let fields = (ctx.field(transfer, "from"), ctx.field(transfer, "from_script"), ctx.field(transfer, "to"));
                if let (Some(_), Some(_), Some(to)) = fields {
                    ctx.create(&to, transfer.span.start, None);
                    ctx.history.transfers.push((to, transfer.span.start));
                }
            }
        }
    }
    history
}

/// One migration entry being applied.
struct Entry<'a> {
    text: &'a str,
    tag: &'a str,
    line: usize,
    history: &'a mut History,
    problems: &'a mut Problems,
}

impl Entry<'_> {
    fn since(&self) -> String {
        format!("migration `{}`", self.tag)
    }

    /// The namespace currently named `name`.
    fn namespace(&mut self, name: &str) -> Option<&mut Namespace> {
        self.history.namespaces.iter_mut().rev().find(|n| !n.deleted && n.names.last().is_some_and(|last| last == name))
    }

    fn create(&mut self, name: &str, at: usize, storage: Option<Storage>) {
        if let Some(existing) = self.history.live.get(name) {
            let message = format!(
                "class `{name}` is created twice: {} (line {}) already created it, and migration `{}` creates it again",
                existing.since, existing.line, self.tag
            );
            self.problems.at(self.text, at, message);
            return;
        }
        self.history.gone.remove(name);
        self.history.live.insert(name.to_owned(), LiveClass { storage, since: self.since(), line: self.line });
        self.history.namespaces.push(Namespace { names: vec![name.to_owned()], storage, deleted: false });
    }

    fn rename(&mut self, from: &str, to: &str, at: usize) {
        let Some(old) = self.history.live.get(from).cloned() else {
            let why = match self.history.gone.get(from) {
                Some(gone) => gone.why.clone(),
                None => "no earlier migration creates it".to_owned(),
            };
            self.problems.at(self.text, at, format!("migration `{}` renames `{from}` to `{to}`, but `{from}` does not exist: {why}", self.tag));
            return;
        };
        if let Some(existing) = self.history.live.get(to) {
            let message = format!(
                "migration `{}` renames `{from}` to `{to}`, but `{to}` already exists (created by {}, line {})",
                self.tag, existing.since, existing.line
            );
            self.problems.at(self.text, at, message);
            return;
        }
        self.history.live.remove(from);
        let why = format!("migration `{}` renamed it to `{to}`", self.tag);
        self.history.gone.insert(from.to_owned(), Gone { why, deleted: false });
        self.history.gone.remove(to);
        let renamed = LiveClass { storage: old.storage, since: self.since(), line: self.line };
        self.history.live.insert(to.to_owned(), renamed);
        if let Some(namespace) = self.namespace(from) {
            namespace.names.push(to.to_owned());
        }
    }

    fn delete(&mut self, name: &str, at: usize) {
        if self.history.live.remove(name).is_none() {
            let message = format!("migration `{}` deletes `{name}`, which does not exist at that point", self.tag);
            self.problems.at(self.text, at, message);
            return;
        }
        if let Some(namespace) = self.namespace(name) {
            namespace.deleted = true;
        }
        let why = format!("migration `{}` deleted it", self.tag);
        self.history.gone.insert(name.to_owned(), Gone { why, deleted: true });
    }

    /// The class names of an array-of-strings migration key, with positions.
    fn names(&mut self, value: Option<&Value>, key: &str) -> Vec<(String, usize)> {
        let Some(value) = value else { return Vec::new() };
        let Some(items) = value.as_array() else {
            self.problems.at(self.text, value.span.start, format!("`{key}` must be an array of class names"));
            return Vec::new();
        };
        let mut names = Vec::new();
        for item in items {
            match item.as_str() {
                Some(name) => names.push((name.to_owned(), item.span.start)),
                None => self.problems.at(self.text, item.span.start, format!("`{key}` must hold class names (strings)")),
            }
        }
        names
    }

    /// The objects of an array-of-objects migration key.
    fn objects<'v>(&mut self, value: Option<&'v Value>, key: &str) -> Option<&'v [Value]> {
        let value = value?;
        match value.as_array() {
            Some(items) => Some(items),
            None => {
                self.problems.at(self.text, value.span.start, format!("`{key}` must be an array of objects"));
                None
            }
        }
    }

    /// A string field of a rename or transfer object.
    fn field(&mut self, object: &Value, key: &str) -> Option<String> {
        match object.get(key).and_then(Value::as_str) {
            Some(value) => Some(value.to_owned()),
            None => {
                self.problems.at(self.text, object.span.start, format!("this entry needs a string `{key}`"));
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replay_text(text: &str) -> (History, Vec<String>) {
        let root = jsonc::parse(text).unwrap();
        let mut problems = Problems::default();
        let history = replay(text, root.get("migrations"), &mut problems);
        (history, problems.messages())
    }

    #[test]
    fn applies_creates_renames_deletes_and_transfers() {
        let (history, problems) = replay_text(
            r#"{ "migrations": [
                { "tag": "v1", "new_sqlite_classes": ["A", "B"], "new_classes": ["K"] },
                { "tag": "v2", "renamed_classes": [{ "from": "A", "to": "A2" }], "deleted_classes": ["B"] },
                { "tag": "v3", "transferred_classes": [{ "from": "X", "from_script": "other", "to": "T" }] }
            ] }"#,
        );
        assert!(problems.is_empty(), "{problems:?}");
        let live: Vec<&str> = history.live.keys().map(String::as_str).collect();
        assert_eq!(live, ["A2", "K", "T"]);
        assert_eq!(history.live["A2"].storage, Some(Storage::Sqlite));
        assert_eq!(history.live["K"].storage, Some(Storage::Kv));
        assert_eq!(history.live["T"].storage, None);
        assert_eq!(history.gone["B"], Gone { why: "migration `v2` deleted it".into(), deleted: true });
        assert_eq!(history.gone["A"], Gone { why: "migration `v2` renamed it to `A2`".into(), deleted: false });
        let names: Vec<(&[String], bool)> = history.namespaces.iter().map(|n| (n.names.as_slice(), n.deleted)).collect();
        assert_eq!(
            names,
            [(&["A".to_owned(), "A2".to_owned()][..], false), (&["B".to_owned()][..], true), (&["K".to_owned()][..], false), (&["T".to_owned()][..], false)]
        );
        assert_eq!(history.transfers.len(), 1);
        assert_eq!(history.next_tag(), "v4");
        assert!(history.one_line_entries);
    }

    #[test]
    fn next_tag_after_custom_tags() {
        let history = History { tags: vec!["initial".into(), "v2".into()], ..History::default() };
        assert_eq!(history.next_tag(), "v3");
        let history = History { tags: vec!["initial".into(), "v3".into()], ..History::default() };
        assert_eq!(history.next_tag(), "v4");
        let history = History { tags: vec!["initial".into(), "v1".into(), "v2".into(), "v3".into()], ..History::default() };
        assert_eq!(history.next_tag(), "v5");
        assert_eq!(History::default().next_tag(), "v1");
        // A tag at the end of the numbers gives a free tag, not an overflow.
        let history = History { tags: vec![format!("v{}", u64::MAX)], ..History::default() };
        assert_eq!(history.next_tag(), "v1");
    }

    #[test]
    fn a_class_created_twice_is_reported_with_both_lines() {
        let (_, problems) = replay_text("{ \"migrations\": [\n  { \"tag\": \"v1\", \"new_sqlite_classes\": [\"A\"] },\n  { \"tag\": \"v2\", \"new_classes\": [\"A\"] }\n] }");
        assert_eq!(problems.len(), 1);
        assert!(problems[0].starts_with("line 3, column 34: class `A` is created twice: migration `v1` (line 2)"), "{}", problems[0]);
    }

    #[test]
    fn a_rename_from_a_class_that_never_existed_is_reported() {
        let (_, problems) =
            replay_text("{ \"migrations\": [\n  { \"tag\": \"v1\", \"renamed_classes\": [{ \"from\": \"Ghost\", \"to\": \"B\" }] }\n] }");
        assert_eq!(problems.len(), 1);
        assert!(problems[0].starts_with("line 2, column 38: migration `v1` renames `Ghost` to `B`, but `Ghost` does not exist: no earlier migration creates it"), "{}", problems[0]);
    }

    #[test]
    fn a_rename_from_a_deleted_class_says_so() {
        let (_, problems) = replay_text(
            r#"{ "migrations": [ { "tag": "v1", "new_sqlite_classes": ["A"] }, { "tag": "v2", "deleted_classes": ["A"] },
               { "tag": "v3", "renamed_classes": [{ "from": "A", "to": "B" }] } ] }"#,
        );
        assert!(problems[0].contains("migration `v2` deleted it"), "{problems:?}");
    }

    #[test]
    fn duplicate_tags_unknown_keys_and_bad_shapes_are_reported() {
        let (_, problems) = replay_text(
            r#"{ "migrations": [ { "tag": "v1", "new_sqlite_clases": ["A"] }, { "tag": "v1" }, { "new_classes": ["B"] },
               { "tag": "v3", "deleted_classes": ["Nobody"] }, { "tag": "v4", "new_classes": "C" } ] }"#,
        );
        let all = problems.join("\n");
        assert!(all.contains("unknown migration key `new_sqlite_clases`"), "{all}");
        assert!(all.contains("migration tag `v1` is used twice (first at line 1)"), "{all}");
        assert!(all.contains("has no `tag`"), "{all}");
        assert!(all.contains("deletes `Nobody`, which does not exist"), "{all}");
        assert!(all.contains("`new_classes` must be an array of class names"), "{all}");
    }
}
