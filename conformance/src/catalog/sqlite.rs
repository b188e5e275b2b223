//! SQLite's catalog: `sqlite_master` for the DDL text, `pragma_*` table functions for facts.

use std::collections::BTreeMap;

use sea_orm::ConnectionTrait;

use super::{
    Column, ForeignKey, Index, Kind, LogicalSchema, SchemaDump, Table, get, normalize_default,
    quote_literal, rows,
};
use crate::error::HarnessError;

/// Every schema object's own `CREATE` text, tables first then indexes, triggers and
/// views, each by name. Indexes SQLite makes for UNIQUE / PRIMARY KEY constraints have
/// no text; they are implied by their table's.
pub(super) async fn dump<C: ConnectionTrait>(conn: &C) -> Result<SchemaDump, HarnessError> {
    let objects = rows(
        conn,
        "SELECT type, name, tbl_name, sql FROM sqlite_master \
         WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' \
         ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'trigger' THEN 2 ELSE 3 END, \
                  tbl_name, name",
    )
    .await?;
    let mut dump = SchemaDump::default();
    for row in objects {
        let kind: String = get(&row, "type")?;
        let name: String = get(&row, "name")?;
        let sql: String = get(&row, "sql")?;
        dump.push(
            format!("{kind} {name}"),
            format!("{};", crate::sqlfmt::layout(&sql)),
        );
    }
    Ok(dump)
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
    Ok(LogicalSchema { tables })
}

async fn table<C: ConnectionTrait>(conn: &C, name: &str, sql: &str) -> Result<Table, HarnessError> {
    let t = quote_literal(name);
    let mut table = Table::default();
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
        if pk_pos > 0 {
            pk.push((pk_pos, column.clone()));
        }
        table.columns.push(Column {
            kind: kind(&declared, column_is_nocase(sql, &column)),
            name: column,
            // A PRIMARY KEY column of a rowid table may hold NULL unless declared NOT NULL.
            nullable: notnull == 0,
            default: default.as_deref().map(normalize_default),
        });
    }
    pk.sort();
    table.primary_key = pk.into_iter().map(|(_, c)| c).collect();

    for row in rows(conn, &format!("SELECT * FROM pragma_index_list({t})")).await? {
        let index: String = get(&row, "name")?;
        let unique: i64 = get(&row, "unique")?;
        let origin: String = get(&row, "origin")?;
        let partial: i64 = get(&row, "partial")?;
        let columns = index_columns(conn, &index).await?;
        match origin.as_str() {
            "pk" => {}
            "u" => {
                table.unique_constraints.insert(columns);
            }
            _ => {
                table.indexes.insert(
                    index,
                    Index {
                        columns,
                        unique: unique != 0,
                        partial: partial != 0,
                    },
                );
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
        let fk = fks.entry(id).or_insert(ForeignKey {
            name: None,
            columns: Vec::new(),
            ref_table: get(&row, "table")?,
            ref_columns: Vec::new(),
            on_delete: get(&row, "on_delete")?,
            on_update: get(&row, "on_update")?,
        });
        fk.columns.push(from);
        fk.ref_columns.push(to);
    }
    table.foreign_keys = fks.into_values().collect();
    Ok(table)
}

async fn index_columns<C: ConnectionTrait>(
    conn: &C,
    index: &str,
) -> Result<Vec<String>, HarnessError> {
    rows(
        conn,
        &format!(
            "SELECT name FROM pragma_index_info({}) ORDER BY seqno",
            quote_literal(index)
        ),
    )
    .await?
    .iter()
    .map(|row| {
        get::<Option<String>>(row, "name").map(|n| n.unwrap_or_else(|| "<expression>".to_owned()))
    })
    .collect()
}

/// SQLite keeps a column's collation only in the table's `CREATE` text.
fn column_is_nocase(table_sql: &str, column: &str) -> bool {
    let quoted = format!("\"{column}\"");
    let Some(start) = table_sql.find(&quoted) else {
        return false;
    };
    let rest = &table_sql[start + quoted.len()..];
    // The column's definition runs to the next top-level comma or closing parenthesis.
    let mut depth = 0;
    let end = rest
        .char_indices()
        .find(|&(_, c)| match c {
            '(' => {
                depth += 1;
                false
            }
            ')' if depth == 0 => true,
            ')' => {
                depth -= 1;
                false
            }
            ',' => depth == 0,
            _ => false,
        })
        .map_or(rest.len(), |(i, _)| i);
    rest[..end].to_ascii_uppercase().contains("COLLATE NOCASE")
}

fn kind(declared: &str, nocase: bool) -> Kind {
    match declared.to_ascii_lowercase().as_str() {
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
    use super::column_is_nocase;

    #[test]
    fn collation_is_read_per_column() {
        let sql = r#"CREATE TABLE "t" ( "a" text NOT NULL COLLATE NOCASE, "b" varchar(10) NOT NULL, "c" text COLLATE NOCASE )"#;
        assert!(column_is_nocase(sql, "a"));
        assert!(!column_is_nocase(sql, "b"));
        assert!(column_is_nocase(sql, "c"));
        assert!(!column_is_nocase(sql, "missing"));
    }
}
