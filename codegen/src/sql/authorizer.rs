//! What the Durable Objects SQLite refuses, as workerd's authorizer decides it
//! for `ctx.storage.sql.exec` (workerd `src/workerd/util/sqlite.c++`,
//! `SqliteDatabase::isAuthorized` with the `SqlStorageRegulator` of
//! `src/workerd/api/sql.c++`), rewritten as a rule table here, with the
//! limits workerd sets (`setupSecurity`). Each refusal carries the reason.

use rusqlite::hooks::{AuthAction, AuthContext};
use rusqlite::limits::Limit;

/// The SQLite version workerd embeds (`strings workerd | grep '^3\.'` on the
/// `workerd 2026-11-17` binary this project pins through wrangler). The
/// bundled SQLite the check runs must not be newer: a test compares them.
pub const WORKERD_SQLITE_VERSION: &str = "3.54.1";

/// Functions workerd lets a statement call (`ALLOWED_SQLITE_FUNCTIONS`).
/// `sqlite_version()` and the other `sqlite_*` introspection functions are
/// not among them.
const FUNCTIONS: &[&str] = &[
    "abs", "changes", "char", "coalesce", "concat", "concat_ws", "format", "glob", "hex", "ifnull", "iif", "instr",
    "last_insert_rowid", "length", "like", "likelihood", "likely", "load_extension", "lower", "ltrim", "max_scalar",
    "min_scalar", "nullif", "octet_length", "printf", "quote", "random", "randomblob", "replace", "round", "rtrim",
    "sign", "soundex", "substr", "substring", "total_changes", "trim", "typeof", "unhex", "unicode", "unlikely",
    "upper", "zeroblob", "date", "time", "datetime", "julianday", "unixepoch", "strftime", "timediff",
    "current_date", "current_time", "current_timestamp", "avg", "count", "group_concat", "max", "min",
    "string_agg", "sum", "total", "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag",
    "lead", "first_value", "last_value", "nth_value", "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh",
    "ceil", "cos", "cosh", "degrees", "exp", "floor", "ln", "log", "log2", "mod", "pi", "pow", "radians", "sin",
    "sinh", "sqrt", "tan", "tanh", "trunc", "json", "jsonb", "json_array", "jsonb_array", "json_array_length",
    "json_extract", "jsonb_extract", "->", "->>", "json_insert", "jsonb_insert", "json_object", "jsonb_object",
    "json_patch", "jsonb_patch", "json_remove", "jsonb_remove", "json_replace", "jsonb_replace", "json_set",
    "jsonb_set", "json_type", "json_valid", "json_quote", "json_group_array", "jsonb_group_array",
    "json_group_object", "jsonb_group_object", "json_each", "json_tree", "match", "highlight", "bm25", "snippet",
    "rtreecheck", "sqlite_rename_column", "sqlite_rename_table", "sqlite_rename_test", "sqlite_drop_column",
    "sqlite_rename_quotefix",
];

/// What a pragma on workerd's allow-list may be given (`ALLOWED_PRAGMAS`).
#[derive(Clone, Copy)]
enum PragmaArg {
    None,
    Boolean,
    ObjectName,
    OptionalObjectName,
    NullOrNumber,
    NullNumberOrObjectName,
}

const PRAGMAS: &[(&str, PragmaArg)] = &[
    ("data_version", PragmaArg::None),
    ("page_size", PragmaArg::None),
    ("case_sensitive_like", PragmaArg::Boolean),
    ("foreign_keys", PragmaArg::Boolean),
    ("defer_foreign_keys", PragmaArg::Boolean),
    ("ignore_check_constraints", PragmaArg::Boolean),
    ("legacy_alter_table", PragmaArg::Boolean),
    ("recursive_triggers", PragmaArg::Boolean),
    ("reverse_unordered_selects", PragmaArg::Boolean),
    ("foreign_key_check", PragmaArg::OptionalObjectName),
    ("foreign_key_list", PragmaArg::ObjectName),
    ("index_info", PragmaArg::ObjectName),
    ("index_list", PragmaArg::ObjectName),
    ("index_xinfo", PragmaArg::ObjectName),
    ("quick_check", PragmaArg::NullNumberOrObjectName),
    ("optimize", PragmaArg::NullOrNumber),
];

/// The message workerd throws for `BEGIN`, `COMMIT`, `ROLLBACK` and `SAVEPOINT`.
pub const TRANSACTION_MESSAGE: &str = "To execute a transaction, please use the state.storage.transaction() or \
     state.storage.transactionSync() APIs instead of the SQL BEGIN TRANSACTION or SAVEPOINT statements \
     (in Rust: Storage::transaction_sync)";

/// The limits workerd sets on every database (`setupSecurity`).
pub const LIMITS: &[(Limit, i32)] = &[
    (Limit::SQLITE_LIMIT_LENGTH, 4 * 1024 * 1024),
    (Limit::SQLITE_LIMIT_SQL_LENGTH, 100_000),
    (Limit::SQLITE_LIMIT_COLUMN, 100),
    (Limit::SQLITE_LIMIT_EXPR_DEPTH, 100),
    (Limit::SQLITE_LIMIT_COMPOUND_SELECT, 5),
    (Limit::SQLITE_LIMIT_VDBE_OP, 25_000),
    (Limit::SQLITE_LIMIT_FUNCTION_ARG, 127),
    (Limit::SQLITE_LIMIT_ATTACHED, 0),
    (Limit::SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 50),
    (Limit::SQLITE_LIMIT_VARIABLE_NUMBER, 100),
    (Limit::SQLITE_LIMIT_TRIGGER_DEPTH, 10),
];

/// `_cf_`-prefixed names (any case) are the runtime's own tables.
fn allowed_name(name: &str) -> bool {
    !name.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("_cf_"))
}

fn reserved(name: &str) -> String {
    format!("`{name}`: names starting with `_cf_` are reserved for the Durable Objects runtime")
}

/// Workerd accepts these spellings of a boolean pragma argument (it compares
/// prefixes, case-insensitively, after removing quotes).
fn boolean(value: &str) -> bool {
    let v = value.trim_matches(|c| c == '\'' || c == '"').to_ascii_lowercase();
    ["true", "false", "yes", "no", "on", "off", "1", "0"].iter().any(|b| v.starts_with(b))
}

/// Tables that exist in the bundled SQLite but not in workerd's build
/// (compiled without `SQLITE_ENABLE_DBSTAT_VTAB`).
const MISSING_TABLES: &[&str] = &["dbstat"];

/// `None` if workerd allows `action`, else why not.
pub fn refusal(context: &AuthContext<'_>) -> Option<String> {
    if let Some(db) = context.database_name {
        if db == "temp" {
            return match context.action {
                AuthAction::Read { table_name, .. } | AuthAction::Update { table_name, .. } if allowed_name(table_name) => None,
                _ => Some("the temporary database is not available on Durable Objects".into()),
            };
        }
        if db != "main" {
            return Some(format!("only the object's own database (`main`) is available, not `{db}`"));
        }
    }
    let check = |name: &str| (!allowed_name(name)).then(|| reserved(name));
    match context.action {
        AuthAction::Select | AuthAction::Recursive | AuthAction::Analyze { .. } => None,
        AuthAction::CreateTable { table_name: n }
        | AuthAction::Delete { table_name: n }
        | AuthAction::DropTable { table_name: n }
        | AuthAction::Insert { table_name: n }
        | AuthAction::CreateView { view_name: n }
        | AuthAction::DropView { view_name: n }
        | AuthAction::Reindex { index_name: n }
        | AuthAction::AlterTable { table_name: n, .. }
        | AuthAction::Update { table_name: n, .. } => check(n),
        AuthAction::Read { table_name, .. } => {
            if MISSING_TABLES.contains(&table_name.to_ascii_lowercase().as_str()) {
                return Some(format!("`{table_name}` is not compiled into the Durable Objects SQLite"));
            }
            check(table_name)
        }
        AuthAction::CreateIndex { index_name: a, table_name: b }
        | AuthAction::DropIndex { index_name: a, table_name: b }
        | AuthAction::CreateTrigger { trigger_name: a, table_name: b }
        | AuthAction::DropTrigger { trigger_name: a, table_name: b } => check(a).or_else(|| check(b)),
        AuthAction::Transaction { .. } | AuthAction::Savepoint { .. } => Some(TRANSACTION_MESSAGE.into()),
        AuthAction::Pragma { pragma_name, pragma_value } => pragma(pragma_name, pragma_value),
        AuthAction::Function { function_name } => {
            if FUNCTIONS.contains(&function_name) {
                None
            } else {
                Some(format!("the function `{function_name}` is not available on Durable Objects"))
            }
        }
        AuthAction::CreateVtable { table_name, module_name } | AuthAction::DropVtable { table_name, module_name } => {
            if ["fts5", "fts5vocab", "rtree", "rtree_i32"].iter().any(|m| m.eq_ignore_ascii_case(module_name)) {
                check(table_name)
            } else {
                Some(format!(
                    "the virtual table module `{module_name}` is not available on Durable Objects (only fts5, fts5vocab, rtree and rtree_i32 are)"
                ))
            }
        }
        AuthAction::Attach { .. } | AuthAction::Detach { .. } => {
            Some("ATTACH and DETACH are refused on Durable Objects: an object has one database".into())
        }
        AuthAction::CreateTempTable { .. }
        | AuthAction::DropTempTable { .. }
        | AuthAction::CreateTempIndex { .. }
        | AuthAction::DropTempIndex { .. }
        | AuthAction::CreateTempTrigger { .. }
        | AuthAction::DropTempTrigger { .. }
        | AuthAction::CreateTempView { .. }
        | AuthAction::DropTempView { .. } => Some("temporary tables, indexes, triggers and views are refused on Durable Objects".into()),
        AuthAction::Unknown { code, .. } => Some(format!("SQLite action {code} is refused on Durable Objects")),
        _ => Some("this statement is refused on Durable Objects".into()),
    }
}

fn pragma(name: &str, value: Option<&str>) -> Option<String> {
    let name_lower = name.to_ascii_lowercase();
    match name_lower.as_str() {
        "table_list" => return None,
        "table_info" | "table_xinfo" => {
            return match value {
                Some(table) => (!allowed_name(table)).then(|| reserved(table)),
                None => Some(format!("`PRAGMA {name}` needs a table name")),
            }
        }
        _ => {}
    }
    let Some(&(_, arg)) = PRAGMAS.iter().find(|(p, _)| *p == name_lower) else {
        let list: Vec<&str> = PRAGMAS.iter().map(|(p, _)| *p).collect();
        return Some(format!(
            "`PRAGMA {name}` is not on the Durable Objects allow-list (table_list, table_info, table_xinfo, {})",
            list.join(", ")
        ));
    };
    let fits = match (arg, value) {
        (PragmaArg::None, v) => v.is_none(),
        (PragmaArg::Boolean, v) => v.is_none_or(boolean),
        (PragmaArg::ObjectName, v) => v.is_some_and(allowed_name),
        (PragmaArg::OptionalObjectName, v) => v.is_none_or(allowed_name),
        (PragmaArg::NullOrNumber, v) => v.is_none_or(|v| v.parse::<i32>().is_ok()),
        (PragmaArg::NullNumberOrObjectName, v) => v.is_none_or(|v| v.parse::<u32>().is_ok() || allowed_name(v)),
    };
    if fits {
        return None;
    }
    let wants = match arg {
        PragmaArg::None => "no argument",
        PragmaArg::Boolean => "a boolean or nothing",
        PragmaArg::ObjectName => "the name of a table or index",
        PragmaArg::OptionalObjectName => "the name of a table or nothing",
        PragmaArg::NullOrNumber => "a number or nothing",
        PragmaArg::NullNumberOrObjectName => "a number, the name of a table or index, or nothing",
    };
    Some(format!("`PRAGMA {name}` takes {wants} on Durable Objects, not `{}`", value.unwrap_or("")))
}

#[cfg(test)]
mod tests {
    use super::{boolean, pragma};

    #[test]
    fn pragmas_follow_the_allow_list() {
        assert!(pragma("foreign_keys", Some("ON")).is_none());
        assert!(pragma("foreign_keys", None).is_none());
        assert!(pragma("foreign_keys", Some("maybe")).is_some());
        assert!(pragma("table_info", Some("notes")).is_none());
        assert!(pragma("table_info", Some("_cf_KV")).unwrap().contains("reserved"));
        assert!(pragma("journal_mode", Some("wal")).unwrap().contains("allow-list"));
        assert!(pragma("page_size", Some("4096")).unwrap().contains("no argument"));
        assert!(pragma("optimize", Some("0x10002")).is_some());
        assert!(pragma("optimize", Some("2")).is_none());
        assert!(boolean("'yes'") && boolean("1") && !boolean("2"));
    }
}
