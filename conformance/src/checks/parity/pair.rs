//! The pairs of backends parity compares, each named as findings and the allow-list
//! name it (`mysql-postgres`).

use std::fmt;

use crate::Backend;

/// Two backends whose final schemas parity compares: the left one, then the right one
/// (findings say "left has …, right has …" in that order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pair {
    /// SQLite and PostgreSQL: the pair parity has always compared. Its findings and
    /// allow-list lines carry no pair name.
    SqlitePostgres,
    /// MySQL / MariaDB and PostgreSQL.
    MySqlPostgres,
    /// MySQL / MariaDB and SQLite.
    MySqlSqlite,
}

impl Pair {
    /// Every pair, in the order parity reports them.
    pub const ALL: [Pair; 3] = [Pair::SqlitePostgres, Pair::MySqlPostgres, Pair::MySqlSqlite];

    /// `(left, right)`.
    pub const fn sides(self) -> (Backend, Backend) {
        match self {
            Pair::SqlitePostgres => (Backend::Sqlite, Backend::Postgres),
            Pair::MySqlPostgres => (Backend::MySql, Backend::Postgres),
            Pair::MySqlSqlite => (Backend::MySql, Backend::Sqlite),
        }
    }

    /// The pair of `a` and `b` in either order, and whether they come swapped
    /// (`b` is the left side); `None` for a backend with itself.
    pub fn of(a: Backend, b: Backend) -> Option<(Pair, bool)> {
        Pair::ALL.into_iter().find_map(|pair| {
            let (left, right) = pair.sides();
            if (left, right) == (a, b) {
                Some((pair, false))
            } else if (left, right) == (b, a) {
                Some((pair, true))
            } else {
                None
            }
        })
    }

    /// Its name: `sqlite-postgres`, `mysql-postgres`, `mysql-sqlite`.
    pub const fn name(self) -> &'static str {
        match self {
            Pair::SqlitePostgres => "sqlite-postgres",
            Pair::MySqlPostgres => "mysql-postgres",
            Pair::MySqlSqlite => "mysql-sqlite",
        }
    }

    /// Parses a pair's name, in either order (`postgres-mysql` is `mysql-postgres`).
    pub fn parse(name: &str) -> Option<Pair> {
        let (a, b) = name.trim().split_once('-')?;
        Pair::of(backend(a)?, backend(b)?).map(|(pair, _)| pair)
    }

    /// The prefix its findings and allow-list lines carry: none for SQLite–PostgreSQL
    /// (as before there were other pairs), `mysql-postgres: ` for the others.
    pub fn prefix(self) -> String {
        match self {
            Pair::SqlitePostgres => String::new(),
            other => format!("{other}: "),
        }
    }

    /// The backend its findings are reported on: none for SQLite–PostgreSQL (both
    /// columns, as before), MySQL for the pairs MySQL is in.
    pub const fn reported_on(self) -> Option<Backend> {
        match self {
            Pair::SqlitePostgres => None,
            Pair::MySqlPostgres | Pair::MySqlSqlite => Some(Backend::MySql),
        }
    }
}

/// A backend by the name the allow-list gives it (`mysql`).
pub fn backend(name: &str) -> Option<Backend> {
    let name = name.trim().to_ascii_lowercase();
    Backend::EVERY.into_iter().find(|b| b.name() == name)
}

impl fmt::Display for Pair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
