//! MySQL's and MariaDB's catalog as backend-neutral facts ([`LogicalSchema`]), from
//! `information_schema`, the two families' spellings read as one
//! ([`super::normalize`]). Names are as the catalog holds them, never quoted; the
//! expressions (defaults, generated columns, CHECKs, index keys) keep MySQL's
//! backquotes.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::{ConnectionTrait, QueryResult};

use super::super::{Column, ForeignKey, Index, Kind, LogicalSchema, Table, normalize_default};
use super::normalize::{
    Family, IndexKey, check_clause, column_default, expression, fk_action, is_json_check,
    is_unique_constraint, sql_type,
};
use super::text::backquote;
use super::{Server, number, query, text, text_of};
use crate::error::HarnessError;

const COLUMNS_SQL: &str = "SELECT c.TABLE_NAME AS tbl, c.COLUMN_NAME AS name, \
     c.COLUMN_DEFAULT AS dflt, c.IS_NULLABLE AS nullable, c.DATA_TYPE AS data_type, \
     c.COLUMN_TYPE AS column_type, c.COLLATION_NAME AS coll, c.EXTRA AS extra, \
     c.GENERATION_EXPRESSION AS gen, t.TABLE_COLLATION AS table_coll \
     FROM information_schema.COLUMNS c JOIN information_schema.TABLES t \
       ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME \
     WHERE c.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') \
     ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION";

/// MariaDB's CHECK_CONSTRAINTS names the table (check names are per table there).
const CHECKS_SQL_MARIADB: &str = "SELECT TABLE_NAME AS tbl, CONSTRAINT_NAME AS name, \
     CHECK_CLAUSE AS clause FROM information_schema.CHECK_CONSTRAINTS \
     WHERE CONSTRAINT_SCHEMA = DATABASE()";
/// MySQL's does not (check names are per schema there): TABLE_CONSTRAINTS does.
const CHECKS_SQL_MYSQL: &str = "SELECT t.TABLE_NAME AS tbl, c.CONSTRAINT_NAME AS name, \
     c.CHECK_CLAUSE AS clause FROM information_schema.CHECK_CONSTRAINTS c \
     JOIN information_schema.TABLE_CONSTRAINTS t ON t.CONSTRAINT_SCHEMA = c.CONSTRAINT_SCHEMA \
       AND t.CONSTRAINT_NAME = c.CONSTRAINT_NAME AND t.CONSTRAINT_TYPE = 'CHECK' \
     WHERE c.CONSTRAINT_SCHEMA = DATABASE()";

/// MariaDB has no functional key parts (no `EXPRESSION` column); MySQL 8.0.13+ has.
const INDEXES_SQL_MARIADB: &str = "SELECT TABLE_NAME AS tbl, INDEX_NAME AS name, \
     NON_UNIQUE AS non_unique, COLUMN_NAME AS col, SUB_PART AS sub_part, COLLATION AS dir, \
     INDEX_TYPE AS type, NULL AS expr FROM information_schema.STATISTICS \
     WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX";
const INDEXES_SQL_MYSQL: &str = "SELECT TABLE_NAME AS tbl, INDEX_NAME AS name, \
     NON_UNIQUE AS non_unique, COLUMN_NAME AS col, SUB_PART AS sub_part, COLLATION AS dir, \
     INDEX_TYPE AS type, EXPRESSION AS expr FROM information_schema.STATISTICS \
     WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX";

/// A table of another database is named `schema.table`.
const FOREIGN_KEYS_SQL: &str = "SELECT k.TABLE_NAME AS tbl, k.CONSTRAINT_NAME AS name, \
     k.COLUMN_NAME AS col, k.REFERENCED_COLUMN_NAME AS ref_col, \
     CASE WHEN k.REFERENCED_TABLE_SCHEMA = DATABASE() THEN k.REFERENCED_TABLE_NAME \
       ELSE CONCAT(k.REFERENCED_TABLE_SCHEMA, '.', k.REFERENCED_TABLE_NAME) END AS ref_table, \
     r.UPDATE_RULE AS on_update, r.DELETE_RULE AS on_delete \
     FROM information_schema.REFERENTIAL_CONSTRAINTS r \
     JOIN information_schema.KEY_COLUMN_USAGE k ON k.CONSTRAINT_SCHEMA = r.CONSTRAINT_SCHEMA \
       AND k.CONSTRAINT_NAME = r.CONSTRAINT_NAME AND k.TABLE_NAME = r.TABLE_NAME \
     WHERE r.CONSTRAINT_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL \
     ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION";

/// The logical schema of the current database; `only`: these tables only.
pub(crate) async fn logical<C: ConnectionTrait>(
    conn: &C,
    only: Option<&BTreeSet<String>>,
) -> Result<LogicalSchema, HarnessError> {
    let server = Server::of(conn).await?;
    let family = server.family;
    let checks_sql = match family {
        Family::MariaDb => CHECKS_SQL_MARIADB,
        Family::MySql => CHECKS_SQL_MYSQL,
    };
    let mut checks: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for row in query(conn, checks_sql).await? {
        let clause = check_clause(&text_of(&row, "clause")?, family);
        checks
            .entry(text_of(&row, "tbl")?)
            .or_default()
            .insert(text_of(&row, "name")?, clause);
    }
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    for row in query(conn, COLUMNS_SQL).await? {
        let name = text_of(&row, "tbl")?;
        let table = tables.entry(name.clone()).or_default();
        let table_checks = checks.entry(name).or_default();
        table.columns.push(column(&row, family, table_checks)?);
    }
    for (name, table) in &mut tables {
        table.checks = checks.remove(name).unwrap_or_default();
    }
    foreign_keys(conn, &mut tables).await?;
    indexes(conn, family, &mut tables).await?;
    if let Some(only) = only {
        tables.retain(|name, _| only.contains(name));
    }
    Ok(LogicalSchema {
        tables,
        ..LogicalSchema::default()
    })
}

/// A row of [`COLUMNS_SQL`] as a column. MariaDB's JSON (a `longtext` with a CHECK
/// `json_valid(col)` named after the column) reads as MySQL's `json`: the check is
/// taken out of `checks`.
fn column(
    row: &QueryResult,
    family: Family,
    checks: &mut BTreeMap<String, String>,
) -> Result<Column, HarnessError> {
    let name = text_of(row, "name")?;
    let data_type = text_of(row, "data_type")?.to_ascii_lowercase();
    let extra = text(row, "extra")?.unwrap_or_default();
    let upper_extra = extra.to_ascii_uppercase();
    let json_check = (data_type == "longtext")
        .then(|| {
            checks
                .iter()
                .find(|(check, clause)| is_json_check(&name, check, clause))
                .map(|(check, _)| check.clone())
        })
        .flatten();
    let json = json_check.is_some() || data_type == "json";
    if let Some(check) = json_check {
        checks.remove(&check);
    }
    let generated = [
        "VIRTUAL GENERATED",
        "STORED GENERATED",
        "PERSISTENT GENERATED",
    ]
    .iter()
    .any(|g| upper_extra.contains(g));
    let generated = match text(row, "gen")? {
        Some(gen_expr) if generated && !gen_expr.is_empty() => Some(expression(&gen_expr, family)),
        _ => None,
    };
    let default_sql = if generated.is_some() {
        None
    } else {
        column_default(family, text(row, "dflt")?.as_deref(), &extra, &data_type)
    };
    let sql_type = if json {
        "json".to_owned()
    } else {
        sql_type(&text_of(row, "column_type")?)
    };
    let collation = text(row, "coll")?
        .filter(|c| !json && Some(c) != text(row, "table_coll").ok().flatten().as_ref());
    Ok(Column {
        kind: kind(&sql_type),
        name,
        nullable: text_of(row, "nullable")?.eq_ignore_ascii_case("YES"),
        default: default_sql.as_deref().map(normalize_default),
        default_sql,
        sql_type,
        collation,
        generated,
        identity: upper_extra.contains("AUTO_INCREMENT"),
    })
}

/// The declared kind of a normalised type.
fn kind(sql_type: &str) -> Kind {
    let base = sql_type.split('(').next().unwrap_or(sql_type);
    match base {
        "varchar" | "char" | "text" | "tinytext" | "mediumtext" | "longtext" => Kind::String,
        "bigint" => Kind::BigInteger,
        "int" => Kind::Integer,
        "tinyint" if sql_type == "tinyint(1)" => Kind::Boolean,
        "json" => Kind::Json,
        "timestamp" => Kind::Timestamp,
        _ => Kind::Other(sql_type.to_owned()),
    }
}

/// The foreign keys, their columns in order.
async fn foreign_keys<C: ConnectionTrait>(
    conn: &C,
    tables: &mut BTreeMap<String, Table>,
) -> Result<(), HarnessError> {
    let mut found: BTreeMap<(String, String), ForeignKey> = BTreeMap::new();
    for row in query(conn, FOREIGN_KEYS_SQL).await? {
        let table = text_of(&row, "tbl")?;
        let name = text_of(&row, "name")?;
        let action = |col: &str| -> Result<_, HarnessError> {
            fk_action(&text_of(&row, col)?)
                .map_err(|e| HarnessError::Setup(format!("MySQL's catalog: {e}")))
        };
        let fk = match found.entry((table, name.clone())) {
            std::collections::btree_map::Entry::Occupied(entry) => entry.into_mut(),
            std::collections::btree_map::Entry::Vacant(entry) => entry.insert(ForeignKey {
                name: Some(name),
                columns: Vec::new(),
                ref_table: text_of(&row, "ref_table")?,
                ref_columns: Vec::new(),
                on_delete: action("on_delete")?,
                on_update: action("on_update")?,
            }),
        };
        fk.columns.push(text_of(&row, "col")?);
        fk.ref_columns.push(text_of(&row, "ref_col")?);
    }
    // Only onto the tables COLUMNS gave (every base table has a column; MariaDB lists a
    // session's temporary tables too).
    for ((table, _), fk) in found {
        if let Some(table) = tables.get_mut(&table) {
            table.foreign_keys.insert(fk);
        }
    }
    Ok(())
}

/// One index as read from STATISTICS.
struct IndexFacts {
    unique: bool,
    index_type: String,
    keys: Vec<IndexKey>,
}

/// The indexes: the primary key's columns; UNIQUE constraints (see
/// [`is_unique_constraint`]) and the indexes InnoDB made for foreign keys (named after
/// the key, on its columns) among the constraints' indexes; every other one by name.
async fn indexes<C: ConnectionTrait>(
    conn: &C,
    family: Family,
    tables: &mut BTreeMap<String, Table>,
) -> Result<(), HarnessError> {
    let sql = match family {
        Family::MariaDb => INDEXES_SQL_MARIADB,
        Family::MySql => INDEXES_SQL_MYSQL,
    };
    let mut found: BTreeMap<(String, String), IndexFacts> = BTreeMap::new();
    for row in query(conn, sql).await? {
        let descending = text(&row, "dir")?.as_deref() == Some("D");
        let key = match (text(&row, "col")?, text(&row, "expr")?) {
            (Some(name), _) => IndexKey::Column {
                name,
                prefix: number(&row, "sub_part")?,
                descending,
            },
            (None, Some(expr)) => IndexKey::Expression {
                text: expression(&expr, family),
                descending,
            },
            (None, None) => continue,
        };
        let facts = found
            .entry((text_of(&row, "tbl")?, text_of(&row, "name")?))
            .or_insert(IndexFacts {
                unique: number(&row, "non_unique")? == Some(0),
                index_type: text(&row, "type")?.unwrap_or_default(),
                keys: Vec::new(),
            });
        facts.keys.push(key);
    }
    for ((table_name, name), facts) in found {
        if let Some(table) = tables.get_mut(&table_name) {
            add_index(table, &table_name, name, facts);
        }
    }
    Ok(())
}

fn add_index(table: &mut Table, table_name: &str, name: String, facts: IndexFacts) {
    let columns: Vec<String> = facts.keys.iter().map(IndexKey::text).collect();
    if name == "PRIMARY" {
        table.primary_key = columns;
        return;
    }
    let index = Index {
        definition: Some(definition(table_name, &name, &facts)),
        columns: columns.clone(),
        unique: facts.unique,
        partial: false,
        predicate: None,
    };
    let for_foreign_key = !facts.unique
        && table.foreign_keys.iter().any(|fk| {
            fk.name.as_deref() == Some(name.as_str()) && columns.starts_with(&fk.columns)
        });
    if facts.unique && is_unique_constraint(&name, &facts.keys) {
        table.unique_constraints.insert(columns);
        table.constraint_indexes.insert(name, index);
    } else if for_foreign_key {
        table.constraint_indexes.insert(name, index);
    } else {
        table.indexes.insert(name, index);
    }
}

/// The index as a `CREATE INDEX` statement would make it.
fn definition(table: &str, name: &str, facts: &IndexFacts) -> String {
    let keys: Vec<String> = facts.keys.iter().map(IndexKey::sql).collect();
    let (kind, using) = match facts.index_type.to_ascii_uppercase().as_str() {
        "FULLTEXT" => ("FULLTEXT ", ""),
        "SPATIAL" => ("SPATIAL ", ""),
        "HASH" => (if facts.unique { "UNIQUE " } else { "" }, " USING HASH"),
        _ => (if facts.unique { "UNIQUE " } else { "" }, ""),
    };
    format!(
        "CREATE {kind}INDEX {} ON {} ({}){using}",
        backquote(name),
        backquote(table),
        keys.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_of_normalised_types() {
        assert_eq!(kind("varchar(255)"), Kind::String);
        assert_eq!(kind("longtext"), Kind::String);
        assert_eq!(kind("bigint"), Kind::BigInteger);
        assert_eq!(kind("int"), Kind::Integer);
        assert_eq!(kind("tinyint(1)"), Kind::Boolean);
        assert_eq!(kind("tinyint"), Kind::Other("tinyint".into()));
        assert_eq!(kind("json"), Kind::Json);
        assert_eq!(kind("timestamp(3)"), Kind::Timestamp);
        assert_eq!(kind("int unsigned"), Kind::Other("int unsigned".into()));
    }

    #[test]
    fn index_definitions_are_written_from_their_keys() {
        let facts = IndexFacts {
            unique: true,
            index_type: "BTREE".into(),
            keys: vec![IndexKey::Column {
                name: "url".into(),
                prefix: Some(100),
                descending: false,
            }],
        };
        assert_eq!(
            definition("we`ird", "idx", &facts),
            "CREATE UNIQUE INDEX `idx` ON `we``ird` (`url`(100))"
        );
    }
}
