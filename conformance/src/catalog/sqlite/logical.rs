//! SQLite's catalog as backend-neutral facts ([`LogicalSchema`]): the `pragma_*`
//! table functions for columns, keys, indexes and foreign keys; the table's `CREATE`
//! text, read by the one DDL parser ([`super::super::ddl`]), for what SQLite keeps
//! nowhere else (collations, generated expressions, CHECK constraints).

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::ConnectionTrait;

use super::super::ddl::{ColumnDef, ConstraintKind, IndexDef, TableDef};
use super::super::{
    Column, FkAction, ForeignKey, Index, Kind, LogicalSchema, Table, get, normalize_default,
    quote_literal, rows,
};
use crate::error::HarnessError;

pub(in crate::catalog) async fn logical<C: ConnectionTrait>(
    conn: &C,
    only: Option<&BTreeSet<String>>,
) -> Result<LogicalSchema, HarnessError> {
    let mut tables = BTreeMap::new();
    for row in rows(
        conn,
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .await?
    {
        let name: String = get(&row, "name")?;
        if only.is_some_and(|only| !only.contains(&name)) {
            continue;
        }
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
    let parsed = TableDef::parse(sql);
    let mut table = Table::default();
    columns(conn, &t, parsed.as_ref(), &mut table).await?;
    table.checks = parsed.as_ref().map(checks).unwrap_or_default();
    indexes(conn, &t, &mut table).await?;
    table.foreign_keys = foreign_keys(conn, &t).await?.into_iter().collect();
    Ok(table)
}

/// The columns of the table `t` (quoted as a literal) and its primary key.
async fn columns<C: ConnectionTrait>(
    conn: &C,
    t: &str,
    parsed: Option<&TableDef>,
    table: &mut Table,
) -> Result<(), HarnessError> {
    let mut pk: Vec<(i64, String)> = Vec::new();
    let sql = format!("SELECT * FROM pragma_table_xinfo({t}) ORDER BY cid");
    for row in rows(conn, &sql).await? {
        let column: String = get(&row, "name")?;
        let declared: String = get(&row, "type")?;
        let notnull: i64 = get(&row, "notnull")?;
        let default: Option<String> = get(&row, "dflt_value")?;
        let pk_pos: i64 = get(&row, "pk")?;
        let hidden: i64 = get(&row, "hidden")?;
        if pk_pos > 0 {
            pk.push((pk_pos, column.clone()));
        }
        let definition = parsed.and_then(|t| t.column(&column));
        let collation = definition.and_then(collation_of);
        // 2: a virtual generated column, 3: a stored one.
        let generated = if hidden >= 2 {
            definition
                .and_then(|c| c.generated.as_ref())
                .map(|g| g.expression.clone())
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
            // SQLite numbers only a rowid alias, which the catalog shows as a key.
            identity: false,
        });
    }
    pk.sort();
    table.primary_key = pk.into_iter().map(|(_, c)| c).collect();
    Ok(())
}

/// The indexes of the table `t`: named ones, and those behind UNIQUE constraints.
async fn indexes<C: ConnectionTrait>(
    conn: &C,
    t: &str,
    table: &mut Table,
) -> Result<(), HarnessError> {
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
    Ok(())
}

/// The foreign keys of the table `t`, one per id, their columns in order.
async fn foreign_keys<C: ConnectionTrait>(
    conn: &C,
    t: &str,
) -> Result<Vec<ForeignKey>, HarnessError> {
    let mut fks: BTreeMap<i64, ForeignKey> = BTreeMap::new();
    let sql = format!("SELECT * FROM pragma_foreign_key_list({t}) ORDER BY id, seq");
    for row in rows(conn, &sql).await? {
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
    Ok(fks.into_values().collect())
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
    IndexDef::parse(sql)
        .map(|index| (index.keys, index.predicate))
        .unwrap_or_default()
}

/// SQLite keeps a column's collation only in the table's `CREATE` text; `binary` is
/// the default and reported as none.
fn collation_of(column: &ColumnDef) -> Option<String> {
    let name = column.collation_name()?.to_ascii_lowercase();
    (name != "binary").then_some(name)
}

/// Every CHECK of a table, its columns' and its own: by name, the expression when
/// unnamed.
fn checks(table: &TableDef) -> BTreeMap<String, String> {
    let column_checks = table.columns.iter().flat_map(|c| &c.checks).map(|check| {
        let expression = check.expression.clone();
        (check.name.clone(), expression)
    });
    let table_checks = table.constraints.iter().filter_map(|c| match &c.kind {
        ConstraintKind::Check { expression } => Some((c.name.clone(), expression.clone())),
        _ => None,
    });
    column_checks
        .chain(table_checks)
        .map(|(name, expression)| (name.unwrap_or_else(|| expression.clone()), expression))
        .collect()
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
mod tests {
    use super::*;

    #[test]
    fn collation_generation_and_checks_are_read_per_item() {
        let sql = r#"CREATE TABLE "t" ( "a" text NOT NULL COLLATE NOCASE, "b" varchar(10) NOT NULL CHECK (length(b) > 0), c text COLLATE rtrim, d int GENERATED ALWAYS AS (length(c) + 1) STORED, e text COLLATE BINARY, CHECK (a <> 'x'), CONSTRAINT "positive" CHECK (n > 0) )"#;
        let table = TableDef::parse(sql).expect("a table");
        let def = |c| table.column(c).expect(c);
        assert_eq!(collation_of(def("a")).as_deref(), Some("nocase"));
        assert_eq!(collation_of(def("b")), None);
        assert_eq!(collation_of(def("c")).as_deref(), Some("rtrim"));
        assert_eq!(collation_of(def("e")), None);
        assert!(table.column("missing").is_none());
        assert_eq!(
            def("d").generated.as_ref().map(|g| g.expression.as_str()),
            Some("length(c) + 1")
        );
        let checks = checks(&table);
        let expressions: Vec<&str> = checks.values().map(String::as_str).collect();
        assert_eq!(expressions, ["a <> 'x'", "length(b) > 0", "n > 0"]);
        assert_eq!(checks.get("positive").map(String::as_str), Some("n > 0"));
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
