//! SQLite's catalog: `sqlite_master` for the DDL text, `pragma_*` table functions for facts.

use std::collections::{BTreeMap, HashMap};

use sea_orm::ConnectionTrait;

use super::{
    Column, FkAction, ForeignKey, Index, Kind, LogicalSchema, ObjectKind, SchemaDump, Table, get,
    normalize_default, quote_literal, rows,
};
use crate::error::HarnessError;
use crate::sqlfmt::split_top_level;

/// The schema objects in dump order: tables first then indexes, triggers and views.
const OBJECTS_SQL: &str = "SELECT type, name, tbl_name, sql FROM sqlite_master \
     WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' \
     ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'trigger' THEN 2 ELSE 3 END, \
              tbl_name, name";

const SETTINGS_SQL: &str = "SELECT (SELECT user_version FROM pragma_user_version) AS user_version, \
     (SELECT application_id FROM pragma_application_id) AS application_id, \
     EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence') AS has_sequence";

/// Every schema object's own `CREATE` text, then the settings a migration may set in
/// the file header (`user_version`, `application_id`, when not 0) and the AUTOINCREMENT
/// counters. Indexes SQLite makes for UNIQUE / PRIMARY KEY constraints have no text;
/// they are implied by their table's.
/// `layouts` maps each object's name to its last `CREATE` text and that text laid out,
/// so that an object unchanged since the last dump is not laid out again.
pub(super) async fn dump_with<C: ConnectionTrait>(
    conn: &C,
    layouts: &mut HashMap<String, (String, String)>,
) -> Result<SchemaDump, HarnessError> {
    let mut dump = SchemaDump::default();
    let objects = match packed_objects(conn).await {
        Ok(objects) => objects,
        // An SQLite older than 3.44 (no ORDER BY in an aggregate): one row per object.
        Err(_) => {
            let mut objects = Vec::new();
            for row in rows(conn, OBJECTS_SQL).await? {
                objects.push((get(&row, "type")?, get(&row, "name")?, get(&row, "sql")?));
            }
            objects
        }
    };
    for (kind, name, sql) in objects {
        let kind = match kind.as_str() {
            "table" => ObjectKind::Table,
            "index" => ObjectKind::Index,
            "trigger" => ObjectKind::Trigger,
            "view" => ObjectKind::View,
            _ => ObjectKind::Other,
        };
        let ddl = match layouts.get(&name) {
            Some((text, ddl)) if *text == sql => ddl.clone(),
            _ => {
                let ddl = format!("{};", crate::sqlfmt::layout(&sql));
                layouts.insert(name.clone(), (sql, ddl.clone()));
                ddl
            }
        };
        dump.push(kind, name, ddl);
    }
    let settings = rows(conn, SETTINGS_SQL).await?;
    let Some(settings) = settings.first() else {
        return Ok(dump);
    };
    for pragma in ["user_version", "application_id"] {
        let value: i64 = get(settings, pragma)?;
        if value != 0 {
            dump.push(
                ObjectKind::Setting,
                pragma,
                format!("PRAGMA {pragma} = {value};"),
            );
        }
    }
    if get::<bool>(settings, "has_sequence")? {
        for row in rows(conn, "SELECT name, seq FROM sqlite_sequence ORDER BY name").await? {
            let table: String = get(&row, "name")?;
            let seq: i64 = get(&row, "seq")?;
            dump.push(
                ObjectKind::AutoincrementCounter,
                &table,
                format!("-- sqlite_sequence: {table} = {seq}"),
            );
        }
    }
    Ok(dump)
}

/// Everything the dump reads, as one text hashed here (SQLite has no hash function):
/// the objects' text, the two header settings and the AUTOINCREMENT counters.
/// The objects of [`OBJECTS_SQL`] as `(type, name, sql)`, in its order, read as one
/// value: each field as its length in bytes, `:`, and its text. One value instead of a
/// row per object is most of the dump's speed on a schema of thousands of objects.
async fn packed_objects<C: ConnectionTrait>(
    conn: &C,
) -> Result<Vec<(String, String, String)>, HarnessError> {
    const PACKED_SQL: &str = "SELECT coalesce(group_concat( \
         length(CAST(type AS BLOB)) || ':' || type || length(CAST(name AS BLOB)) || ':' || name \
         || length(CAST(sql AS BLOB)) || ':' || sql, '' \
         ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'trigger' THEN 2 ELSE 3 END, \
                  tbl_name, name), '') AS packed \
         FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'";
    let found = rows(conn, PACKED_SQL).await?;
    let packed: String = match found.first() {
        Some(row) => get(row, "packed")?,
        None => String::new(),
    };
    unpack(&packed).ok_or_else(|| HarnessError::Setup("cannot read the packed catalog".into()))
}

/// Splits [`packed_objects`]' text; `None` if it is not well formed.
fn unpack(mut packed: &str) -> Option<Vec<(String, String, String)>> {
    let field = |packed: &mut &str| -> Option<String> {
        let (len, rest) = packed.split_once(':')?;
        let len: usize = len.parse().ok()?;
        let value = rest.get(..len)?.to_owned();
        *packed = &rest[len..];
        Some(value)
    };
    let mut objects = Vec::new();
    while !packed.is_empty() {
        objects.push((
            field(&mut packed)?,
            field(&mut packed)?,
            field(&mut packed)?,
        ));
    }
    Some(objects)
}

pub(super) async fn fingerprint<C: ConnectionTrait>(conn: &C) -> Result<String, HarnessError> {
    const BASE: &str = "SELECT coalesce((SELECT group_concat(type || char(31) || name || char(31) || sql, char(30)) \
         FROM (SELECT type, name, sql FROM sqlite_master \
               WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY type, name)), '') \
         || char(29) || (SELECT user_version FROM pragma_user_version) \
         || char(29) || (SELECT application_id FROM pragma_application_id)";
    // `sqlite_sequence` exists only once a table uses AUTOINCREMENT; naming it before
    // that is an error, so the query without it is the fallback.
    let with_counters = format!(
        "{BASE} || char(29) || coalesce((SELECT group_concat(name || char(31) || seq, char(30)) \
         FROM (SELECT name, seq FROM sqlite_sequence ORDER BY name)), '') AS text"
    );
    let text_rows = match rows(conn, &with_counters).await {
        Ok(rows) => rows,
        // The same text as with an empty `sqlite_sequence`, which is the same dump.
        Err(_) => rows(conn, &format!("{BASE} || char(29) AS text")).await?,
    };
    let text: String = match text_rows.first() {
        Some(row) => get(row, "text")?,
        None => String::new(),
    };
    Ok(super::fnv1a_hex(&text))
}

pub(super) async fn logical<C: ConnectionTrait>(conn: &C) -> Result<LogicalSchema, HarnessError> {
    let mut tables = BTreeMap::new();
    for row in rows(
        conn,
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .await?
    {
        let name: String = get(&row, "name")?;
        let sql: String = get(&row, "sql")?;
        tables.insert(name.clone(), table(conn, &name, &sql).await?);
    }
    Ok(LogicalSchema {
        tables,
        extensions: BTreeMap::new(),
        enum_types: BTreeMap::new(),
    })
}

async fn table<C: ConnectionTrait>(conn: &C, name: &str, sql: &str) -> Result<Table, HarnessError> {
    let t = quote_literal(name);
    let mut table = Table::default();
    let items = table_items(sql);
    let mut pk: Vec<(i64, String)> = Vec::new();
    for row in rows(
        conn,
        &format!("SELECT * FROM pragma_table_xinfo({t}) ORDER BY cid"),
    )
    .await?
    {
        let column: String = get(&row, "name")?;
        let declared: String = get(&row, "type")?;
        let notnull: i64 = get(&row, "notnull")?;
        let default: Option<String> = get(&row, "dflt_value")?;
        let pk_pos: i64 = get(&row, "pk")?;
        let hidden: i64 = get(&row, "hidden")?;
        if pk_pos > 0 {
            pk.push((pk_pos, column.clone()));
        }
        let definition = column_definition(&items, &column);
        let collation = definition.and_then(collation_of);
        // 2: a virtual generated column, 3: a stored one.
        let generated = if hidden >= 2 {
            definition.and_then(generation_of)
        } else {
            None
        };
        let sql_type = declared.to_ascii_lowercase();
        table.columns.push(Column {
            kind: kind(&sql_type, collation.as_deref() == Some("nocase")),
            name: column,
            // A PRIMARY KEY column of a rowid table may hold NULL unless declared NOT NULL.
            nullable: notnull == 0,
            default: default.as_deref().map(normalize_default),
            default_sql: default,
            sql_type,
            collation,
            generated,
        });
    }
    pk.sort();
    table.primary_key = pk.into_iter().map(|(_, c)| c).collect();
    table.checks = items
        .iter()
        .filter_map(|item| {
            let expression = check_of(item)?;
            let name = constraint_name(item).unwrap_or_else(|| expression.clone());
            Some((name, expression))
        })
        .collect();

    for row in rows(conn, &format!("SELECT * FROM pragma_index_list({t})")).await? {
        let index: String = get(&row, "name")?;
        let unique: i64 = get(&row, "unique")?;
        let origin: String = get(&row, "origin")?;
        let (columns, predicate, definition) = index_columns(conn, &index).await?;
        let facts = Index {
            columns: columns.clone(),
            unique: unique != 0,
            partial: predicate.is_some(),
            predicate,
            definition,
        };
        match origin.as_str() {
            "pk" => {}
            "u" => {
                table.unique_constraints.insert(columns);
                table.constraint_indexes.insert(index, facts);
            }
            _ => {
                table.indexes.insert(index, facts);
            }
        }
    }

    let mut fks: BTreeMap<i64, ForeignKey> = BTreeMap::new();
    for row in rows(
        conn,
        &format!("SELECT * FROM pragma_foreign_key_list({t}) ORDER BY id, seq"),
    )
    .await?
    {
        let id: i64 = get(&row, "id")?;
        let from: String = get(&row, "from")?;
        let to: String = get(&row, "to")?;
        let fk = match fks.entry(id) {
            std::collections::btree_map::Entry::Occupied(entry) => entry.into_mut(),
            std::collections::btree_map::Entry::Vacant(entry) => entry.insert(ForeignKey {
                name: None,
                columns: Vec::new(),
                ref_table: get(&row, "table")?,
                ref_columns: Vec::new(),
                on_delete: fk_action(&get::<String>(&row, "on_delete")?)?,
                on_update: fk_action(&get::<String>(&row, "on_update")?)?,
            }),
        };
        fk.columns.push(from);
        fk.ref_columns.push(to);
    }
    table.foreign_keys = fks.into_values().collect();
    Ok(table)
}

fn fk_action(text: &str) -> Result<FkAction, HarnessError> {
    text.parse()
        .map_err(|e| HarnessError::Setup(format!("SQLite's catalog: {e}")))
}

/// Key columns of an index (an expression's text where it has no column), its `WHERE`
/// predicate and its `CREATE INDEX` text (none for automatic indexes).
async fn index_columns<C: ConnectionTrait>(
    conn: &C,
    index: &str,
) -> Result<(Vec<String>, Option<String>, Option<String>), HarnessError> {
    let name = quote_literal(index);
    let sql: Option<String> = match rows(
        conn,
        &format!("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = {name}"),
    )
    .await?
    .first()
    {
        Some(row) => get(row, "sql")?,
        None => None,
    };
    let (keys, predicate) = sql.as_deref().map(index_parts).unwrap_or_default();
    let columns = rows(
        conn,
        &format!("SELECT name FROM pragma_index_info({name}) ORDER BY seqno"),
    )
    .await?
    .iter()
    .enumerate()
    .map(|(position, row)| {
        get::<Option<String>>(row, "name").map(|n| {
            n.or_else(|| keys.get(position).cloned())
                .unwrap_or_else(|| "<expression>".to_owned())
        })
    })
    .collect::<Result<_, _>>()?;
    Ok((columns, predicate, sql))
}

/// `CREATE INDEX i ON t (a, lower(b)) WHERE c` → (`["a", "lower(b)"]`, `Some("c")`).
fn index_parts(sql: &str) -> (Vec<String>, Option<String>) {
    let Some(open) = sql.find('(') else {
        return (Vec::new(), None);
    };
    let Some(body) = balanced(&sql[open..]) else {
        return (Vec::new(), None);
    };
    let rest = sql[open + body.len() + 2..].trim();
    let predicate = (rest.len() >= 5 && rest[..5].eq_ignore_ascii_case("where"))
        .then(|| rest[5..].trim().to_owned());
    (split_top_level(body), predicate)
}

/// The text inside the parentheses `text` starts with, up to the matching one.
fn balanced(text: &str) -> Option<&str> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(&text[1..i]);
                }
            }
            _ => {}
        }
    }
    None
}

/// The column definitions and table constraints of a `CREATE TABLE`.
fn table_items(sql: &str) -> Vec<String> {
    sql.find('(')
        .and_then(|open| balanced(&sql[open..]))
        .map(split_top_level)
        .unwrap_or_default()
}

/// The definition of `column` among a table's items, found by its (unquoted) name.
fn column_definition<'a>(items: &'a [String], column: &str) -> Option<&'a str> {
    items.iter().map(String::as_str).find(|item| {
        let first = item.split_whitespace().next().unwrap_or_default();
        first.trim_matches(|c| matches!(c, '"' | '`' | '[' | ']')) == column
    })
}

/// SQLite keeps a column's collation only in the table's `CREATE` text; `binary` is
/// the default and reported as none.
fn collation_of(definition: &str) -> Option<String> {
    let words: Vec<&str> = definition.split_whitespace().collect();
    let at = words
        .iter()
        .position(|w| w.eq_ignore_ascii_case("collate"))?;
    let name = words
        .get(at + 1)?
        .trim_matches(|c| matches!(c, '"' | '`' | '\'' | ',' | ')'))
        .to_ascii_lowercase();
    (name != "binary").then_some(name)
}

/// `... AS (expr) ...` of a generated column → `expr`.
fn generation_of(definition: &str) -> Option<String> {
    let upper = definition.to_ascii_uppercase();
    let at = upper.find(" AS ")?;
    let rest = definition[at + 4..].trim_start();
    balanced(rest).map(|e| e.trim().to_owned())
}

/// `CONSTRAINT name ...` → `name`.
fn constraint_name(item: &str) -> Option<String> {
    let mut words = item.split_whitespace();
    let first = words.next()?;
    first
        .eq_ignore_ascii_case("constraint")
        .then(|| words.next())
        .flatten()
        .map(|name| {
            name.trim_matches(|c| matches!(c, '"' | '`' | '[' | ']'))
                .to_owned()
        })
}

/// The expression of a `CHECK (...)` in a column definition or table constraint.
fn check_of(item: &str) -> Option<String> {
    let upper = item.to_ascii_uppercase();
    let at = upper.find("CHECK")?;
    let rest = item[at + 5..].trim_start();
    balanced(rest).map(|e| e.trim().to_owned())
}

fn kind(declared: &str, nocase: bool) -> Kind {
    match declared {
        "text" if nocase => Kind::CiString,
        t if t == "text" || t == "varchar" || t.starts_with("varchar(") => Kind::String,
        "bigint" => Kind::BigInteger,
        "integer" => Kind::Integer,
        "boolean" => Kind::Boolean,
        "json_text" | "jsonb_text" | "json" | "jsonb" => Kind::Json,
        "timestamp_with_timezone_text" => Kind::Timestamp,
        other => Kind::Other(other.to_owned()),
    }
}

#[cfg(test)]
mod packed_tests {
    #[test]
    fn unpacks_fields_by_their_byte_length_whatever_they_contain() {
        let text = "5:table3:é:18:CREATE TABLE \"a:b\"5:index1:i0:";
        assert_eq!(
            super::unpack(text),
            Some(vec![
                ("table".into(), "é:".into(), "CREATE TABLE \"a:b\"".into()),
                ("index".into(), "i".into(), String::new()),
            ])
        );
        assert_eq!(super::unpack("5:tab"), None);
        assert_eq!(super::unpack("x:table"), None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collation_generation_and_checks_are_read_per_item() {
        let sql = r#"CREATE TABLE "t" ( "a" text NOT NULL COLLATE NOCASE, "b" varchar(10) NOT NULL CHECK (length(b) > 0), c text COLLATE rtrim, d int GENERATED ALWAYS AS (length(c) + 1) STORED, CHECK (a <> 'x') )"#;
        let items = table_items(sql);
        let def = |c| column_definition(&items, c).expect(c);
        assert_eq!(collation_of(def("a")).as_deref(), Some("nocase"));
        assert_eq!(collation_of(def("b")), None);
        assert_eq!(collation_of(def("c")).as_deref(), Some("rtrim"));
        assert!(column_definition(&items, "missing").is_none());
        assert_eq!(generation_of(def("d")).as_deref(), Some("length(c) + 1"));
        let checks: Vec<String> = items.iter().filter_map(|i| check_of(i)).collect();
        assert_eq!(checks, ["length(b) > 0", "a <> 'x'"]);
        assert_eq!(
            constraint_name("CONSTRAINT \"positive\" CHECK (n > 0)").as_deref(),
            Some("positive")
        );
        assert_eq!(constraint_name("CHECK (n > 0)"), None);
    }

    #[test]
    fn index_keys_and_predicate_come_from_the_text() {
        let (keys, predicate) =
            index_parts(r#"CREATE UNIQUE INDEX "i" ON "t" ("a", lower(b)) WHERE a IS NOT NULL"#);
        assert_eq!(keys, ["\"a\"", "lower(b)"]);
        assert_eq!(predicate.as_deref(), Some("a IS NOT NULL"));
        assert_eq!(
            index_parts("CREATE INDEX i ON t (a)"),
            (vec!["a".to_owned()], None)
        );
    }
}
