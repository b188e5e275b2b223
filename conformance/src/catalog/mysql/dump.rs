//! The dump: every object of the current database, listed from `information_schema`,
//! with the text of the server's `SHOW CREATE …`, normalised ([`super::normalize`]).

use std::sync::Arc;

use sea_orm::ConnectionTrait;

use super::super::live::{Order, Row, sorted_dump};
use super::super::{ObjectKey, ObjectKind, fnv1a_hex};
use super::normalize::{strip_auto_increment, strip_database, strip_definer};
use super::text::backquote;
use super::{Server, query, text, text_of};
use crate::error::HarnessError;

/// What kind of object, as the dump reads it: each has its `SHOW CREATE` statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Object {
    Table,
    /// MariaDB's `CREATE SEQUENCE`.
    Sequence,
    View,
    Trigger,
    Function,
    Procedure,
    /// MariaDB's Oracle-mode `CREATE PACKAGE` / `CREATE PACKAGE BODY`.
    Package,
    PackageBody,
}

impl Object {
    /// The statement that shows the object, and the column that holds its text.
    fn show(self) -> (&'static str, &'static str) {
        match self {
            Self::Table => ("SHOW CREATE TABLE", "Create Table"),
            Self::Sequence => ("SHOW CREATE SEQUENCE", "Create Table"),
            Self::View => ("SHOW CREATE VIEW", "Create View"),
            Self::Trigger => ("SHOW CREATE TRIGGER", "SQL Original Statement"),
            Self::Function => ("SHOW CREATE FUNCTION", "Create Function"),
            Self::Procedure => ("SHOW CREATE PROCEDURE", "Create Procedure"),
            Self::Package => ("SHOW CREATE PACKAGE", "Create Package"),
            Self::PackageBody => ("SHOW CREATE PACKAGE BODY", "Create Package Body"),
        }
    }

    /// Its kind in the dump, and its section: sequences, tables (each with its
    /// triggers), views, routines.
    fn kind(self) -> (ObjectKind, i32, i32) {
        match self {
            Self::Sequence => (ObjectKind::Sequence, 0, 0),
            Self::Table => (ObjectKind::Table, 1, 0),
            Self::Trigger => (ObjectKind::Trigger, 1, 1),
            Self::View => (ObjectKind::View, 2, 0),
            Self::Function => (ObjectKind::Function, 3, 0),
            Self::Procedure => (ObjectKind::Procedure, 3, 0),
            Self::Package => (ObjectKind::Other, 3, 0),
            Self::PackageBody => (ObjectKind::Other, 3, 1),
        }
    }

    fn of_routine_type(routine_type: &str) -> Option<Self> {
        match routine_type.to_ascii_uppercase().as_str() {
            "FUNCTION" => Some(Self::Function),
            "PROCEDURE" => Some(Self::Procedure),
            "PACKAGE" => Some(Self::Package),
            "PACKAGE BODY" => Some(Self::PackageBody),
            _ => None,
        }
    }
}

/// One object to show: its kind, its name and the table it belongs to (its own name
/// but for a trigger).
struct Listed {
    object: Object,
    name: String,
    table: String,
}

/// The objects of the current database. Temporary tables (MariaDB lists the session's)
/// are no part of the schema.
async fn list<C: ConnectionTrait>(conn: &C) -> Result<Vec<Listed>, HarnessError> {
    let mut listed = Vec::new();
    let tables = "SELECT TABLE_NAME AS name, TABLE_TYPE AS type FROM information_schema.TABLES \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED', 'SEQUENCE')";
    for row in query(conn, tables).await? {
        let name = text_of(&row, "name")?;
        let object = if text_of(&row, "type")? == "SEQUENCE" {
            Object::Sequence
        } else {
            Object::Table
        };
        listed.push(Listed {
            object,
            table: name.clone(),
            name,
        });
    }
    let views = "SELECT TABLE_NAME AS name FROM information_schema.VIEWS \
         WHERE TABLE_SCHEMA = DATABASE()";
    for row in query(conn, views).await? {
        let name = text_of(&row, "name")?;
        listed.push(Listed {
            object: Object::View,
            table: name.clone(),
            name,
        });
    }
    let triggers = "SELECT TRIGGER_NAME AS name, EVENT_OBJECT_TABLE AS tbl \
         FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()";
    for row in query(conn, triggers).await? {
        listed.push(Listed {
            object: Object::Trigger,
            name: text_of(&row, "name")?,
            table: text_of(&row, "tbl")?,
        });
    }
    let routines = "SELECT ROUTINE_NAME AS name, ROUTINE_TYPE AS type \
         FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()";
    for row in query(conn, routines).await? {
        let routine_type = text_of(&row, "type")?;
        let object = Object::of_routine_type(&routine_type).ok_or_else(|| {
            HarnessError::Setup(format!(
                "MySQL's catalog: a routine of the unknown type `{routine_type}`"
            ))
        })?;
        let name = text_of(&row, "name")?;
        listed.push(Listed {
            object,
            table: name.clone(),
            name,
        });
    }
    Ok(listed)
}

/// The normalised DDL of one object, as the dump shows it.
async fn show<C: ConnectionTrait>(
    conn: &C,
    server: &Server,
    listed: &Listed,
) -> Result<String, HarnessError> {
    let (statement, column) = listed.object.show();
    let sql = format!("{statement} {}", backquote(&listed.name));
    let found = query(conn, &sql).await?;
    let ddl = match found.first() {
        Some(row) => text(row, column)?,
        None => None,
    };
    // NULL when the account may not see a routine's body.
    let ddl = ddl.ok_or_else(|| {
        HarnessError::Setup(format!(
            "`{sql}` gave no definition (does the account have the privilege to see it?)"
        ))
    })?;
    Ok(normalize_ddl(listed.object, &ddl, &server.database))
}

/// The server's text without what varies between runs, ended by `;`; tables, views
/// and routines after an empty line (as on PostgreSQL), triggers right after their
/// table.
fn normalize_ddl(object: Object, ddl: &str, database: &str) -> String {
    let mut ddl = strip_database(&strip_definer(ddl), database);
    if object == Object::Table {
        ddl = strip_auto_increment(&ddl);
    }
    let ddl = ddl.trim_end().trim_end_matches(';').trim_end();
    match object {
        Object::Trigger => format!("{ddl};"),
        _ => format!("\n{ddl};"),
    }
}

/// Every object of the current database, as dump rows.
pub(crate) async fn read_rows<C: ConnectionTrait>(conn: &C) -> Result<Vec<Row>, HarnessError> {
    let server = Server::of(conn).await?;
    let mut rows = Vec::new();
    for listed in list(conn).await? {
        let ddl = show(conn, &server, &listed).await?;
        let (kind, group, sub) = listed.object.kind();
        let name = match listed.object {
            Object::Trigger => format!("{}.{}", listed.table, listed.name),
            _ => listed.name.clone(),
        };
        let unit = match listed.object {
            Object::Table | Object::Trigger => format!("t:{}", listed.table),
            Object::Sequence | Object::View => format!("r:{}", listed.name),
            _ => format!("p:{}", listed.name),
        };
        rows.push(Row {
            key: ObjectKey::new(kind, name),
            order: Order {
                group,
                owner: listed.table.clone(),
                sub,
                name: listed.name.clone(),
            },
            ddl: Arc::from(ddl),
            unit,
        });
    }
    Ok(rows)
}

/// A fingerprint of the current database's dump: MySQL has no one query whose result
/// moves with every object's `SHOW CREATE` text, so this is the hash of the dump itself
/// (as many queries as [`read_rows`]; equal fingerprints still mean equal dumps).
pub(crate) async fn fingerprint<C: ConnectionTrait>(conn: &C) -> Result<String, HarnessError> {
    Ok(fnv1a_hex(&sorted_dump(read_rows(conn).await?).to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_object_s_text_is_normalised_and_ended() {
        let table = "CREATE TABLE `t` (\n  `id` int(11) NOT NULL AUTO_INCREMENT,\n  \
                     PRIMARY KEY (`id`)\n) ENGINE=InnoDB AUTO_INCREMENT=3 DEFAULT CHARSET=utf8mb4";
        assert_eq!(
            normalize_ddl(Object::Table, table, "db1"),
            "\nCREATE TABLE `t` (\n  `id` int(11) NOT NULL AUTO_INCREMENT,\n  \
             PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;"
        );
        let view = "CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`localhost` SQL SECURITY DEFINER \
                    VIEW `v` AS select `db1`.`t`.`id` AS `id` from `db1`.`t`";
        assert_eq!(
            normalize_ddl(Object::View, view, "db1"),
            "\nCREATE ALGORITHM=UNDEFINED SQL SECURITY DEFINER VIEW `v` AS select `t`.`id` AS `id` from `t`;"
        );
        let trigger = "CREATE DEFINER=`root`@`localhost` TRIGGER tr BEFORE INSERT ON t \
                       FOR EACH ROW BEGIN SET NEW.id = 1; END";
        assert_eq!(
            normalize_ddl(Object::Trigger, trigger, "db1"),
            "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.id = 1; END;"
        );
    }
}
