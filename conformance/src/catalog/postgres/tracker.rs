//! One PostgreSQL database's catalog followed from one migration call to the next (see
//! [`super::super::live`]): the event trigger's log says which objects changed,
//! `pg_depend` which depend on them, and their units are read again.

use std::collections::{BTreeSet, HashMap};

use sea_orm::{ConnectionTrait, DbBackend, Statement};

use super::super::live::{Reread, Row};
use super::super::{get, rows};
use super::ddl_log::{
    INSTALL_SQL, LOG_SQL, MEMBERS_SQL, Noted, PG_EXTENSION, PG_NAMESPACE, parse_log,
    read_units_function,
};
use super::dump::{dump_row, read_rows};
use crate::error::HarnessError;

/// Follows one PostgreSQL database's catalog (see [`super::live`]).
#[derive(Debug, Default)]
pub(in crate::catalog) struct Tracker {
    /// Whether the event trigger is installed (else every read is whole).
    logging: bool,
    environment: String,
    /// The units each object belongs to (a dropped object's unit is read again).
    members: HashMap<i64, BTreeSet<i64>>,
    /// The objects each unit owns.
    owned: HashMap<i64, Vec<i64>>,
    /// The highest OID seen: an object dropped with a higher one was created since the
    /// last read, and changed nothing that read saw.
    max_oid: i64,
}

impl Tracker {
    /// Installs the event trigger when the role may (a superuser); without it, every
    /// read is whole.
    pub(in crate::catalog) async fn install<C: ConnectionTrait>(
        conn: &C,
    ) -> Result<Self, HarnessError> {
        let installed = conn.execute_unprepared(INSTALL_SQL).await.is_ok()
            && conn
                .execute_unprepared(&read_units_function())
                .await
                .is_ok();
        Ok(Self {
            logging: installed,
            ..Self::default()
        })
    }

    /// Every object.
    pub(in crate::catalog) async fn read_all<C: ConnectionTrait>(
        &mut self,
        conn: &C,
    ) -> Result<Vec<Row>, HarnessError> {
        if self.logging {
            let found = rows(conn, LOG_SQL).await?;
            let row = found
                .first()
                .ok_or_else(|| HarnessError::Setup("no DDL log row".into()))?;
            self.environment = get(row, "environment")?;
        }
        let rows = read_rows(conn).await?;
        self.members.clear();
        self.owned.clear();
        if self.logging {
            let units: BTreeSet<i64> = rows.iter().filter_map(|r| r.unit.parse().ok()).collect();
            self.learn_members(conn, &units).await?;
        }
        Ok(rows)
    }

    /// What changed since the last read: the units of the objects the event trigger
    /// noted and of those depending on them; the whole catalog when the log cannot say
    /// (no trigger, a schema or extension changed, names print differently now).
    pub(in crate::catalog) async fn refresh<C: ConnectionTrait>(
        &mut self,
        conn: &C,
    ) -> Result<Reread, HarnessError> {
        if !self.logging {
            return Ok(Reread::All(self.read_all(conn).await?));
        }
        let Some(noted) = self.take_log(conn).await? else {
            return Ok(Reread::All(self.read_all(conn).await?));
        };
        if noted.is_empty() {
            return Ok(Reread::Units {
                units: BTreeSet::new(),
                rows: Vec::new(),
            });
        }
        let Some(changed) = self.changed(&noted) else {
            return Ok(Reread::All(self.read_all(conn).await?));
        };
        let (units, members, rows) = read_units(conn, changed).await?;
        self.forget_members(&units);
        self.add_members(members);
        Ok(Reread::Units {
            units: units.iter().map(i64::to_string).collect(),
            rows,
        })
    }

    /// The log's entries since the last read; `None` when it says nothing reliable
    /// (the event triggers were dropped or disabled, which stops the logging; the
    /// way names print changed; someone reset the log).
    async fn take_log<C: ConnectionTrait>(
        &mut self,
        conn: &C,
    ) -> Result<Option<Vec<Noted>>, HarnessError> {
        let found = rows(conn, LOG_SQL).await?;
        let row = found
            .first()
            .ok_or_else(|| HarnessError::Setup("no DDL log row".into()))?;
        let log: String = get(row, "log")?;
        let environment: String = get(row, "environment")?;
        // The event triggers dropped or disabled: the log says nothing from now on.
        if !get::<bool>(row, "intact")? {
            self.logging = false;
            return Ok(None);
        }
        Ok(log
            .strip_prefix('#')
            .filter(|_| environment == self.environment)
            .and_then(parse_log))
    }

    /// What to read again for the `noted` objects: those changed, and the units of
    /// those dropped; `None` when only a whole read will do (a schema or an extension
    /// changed, an object outside `public`, a dropped object of unknown unit).
    fn changed(&self, noted: &[Noted]) -> Option<Changed> {
        let mut changed = Changed::default();
        for entry in noted {
            let whole = entry.outside_public
                || entry.class == i64::from(PG_NAMESPACE)
                || entry.class == i64::from(PG_EXTENSION);
            if whole {
                return None;
            }
            if entry.dropped {
                // Created since the last read: it changed nothing that read saw.
                if entry.oid > self.max_oid {
                    continue;
                }
                changed
                    .extra
                    .extend(self.members.get(&entry.oid)?.iter().copied());
            } else {
                changed.classes.push(entry.class);
                changed.oids.push(entry.oid);
            }
        }
        Some(changed)
    }

    /// Forgets what `units` owned (they are read again).
    fn forget_members(&mut self, units: &BTreeSet<i64>) {
        for unit in units {
            for member in self.owned.remove(unit).unwrap_or_default() {
                if let Some(of) = self.members.get_mut(&member) {
                    of.remove(unit);
                    if of.is_empty() {
                        self.members.remove(&member);
                    }
                }
            }
        }
    }

    /// Records `(member, unit)` pairs.
    fn add_members(&mut self, members: Vec<(i64, i64)>) {
        for (member, unit) in members {
            self.members.entry(member).or_default().insert(unit);
            self.owned.entry(unit).or_default().push(member);
            self.max_oid = self.max_oid.max(member);
        }
    }

    /// Reads which objects all `units` own.
    async fn learn_members<C: ConnectionTrait>(
        &mut self,
        conn: &C,
        units: &BTreeSet<i64>,
    ) -> Result<(), HarnessError> {
        let list: Vec<String> = units.iter().map(i64::to_string).collect();
        let found = conn
            .query_all_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                MEMBERS_SQL.replace("$1::oid[]", "$1::text[]::oid[]"),
                [sea_orm::Value::from(list)],
            ))
            .await?;
        let members = found
            .iter()
            .map(|row| Ok((get::<i64>(row, "member")?, get::<i64>(row, "unit")?)))
            .collect::<Result<Vec<_>, HarnessError>>()?;
        self.add_members(members);
        Ok(())
    }
}

/// The objects a read takes again: changed ones (by class and OID), and more units.
#[derive(Default)]
struct Changed {
    classes: Vec<i64>,
    oids: Vec<i64>,
    extra: BTreeSet<i64>,
}

/// Reads the units of the `changed` objects and of their dependents in one round
/// trip: the units, the `(member, unit)` pairs of the objects they own, and their rows.
async fn read_units<C: ConnectionTrait>(
    conn: &C,
    changed: Changed,
) -> Result<(BTreeSet<i64>, Vec<(i64, i64)>, Vec<Row>), HarnessError> {
    let as_oids = |values: Vec<i64>| {
        sea_orm::Value::from(
            values
                .into_iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>(),
        )
    };
    let found = conn
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT * FROM pg_catalog.conformance_read_units($1::text[]::oid[], \
             $2::text[]::oid[], $3::text[]::oid[])",
            [
                as_oids(changed.classes),
                as_oids(changed.oids),
                as_oids(changed.extra.into_iter().collect()),
            ],
        ))
        .await?;
    // Units and members come as one text each (`u,u,…`, `member:unit,…`): decoding
    // a row costs more than splitting a text.
    let (mut units, mut members, mut rows) = (BTreeSet::new(), Vec::new(), Vec::new());
    let malformed = || HarnessError::Setup("a malformed catalog read".into());
    let number = |text: &str| text.parse::<i64>().map_err(|_| malformed());
    for found in &found {
        match get::<String>(found, "part")?.as_str() {
            "units" => {
                for unit in get::<String>(found, "ddl")?
                    .split(',')
                    .filter(|u| !u.is_empty())
                {
                    units.insert(number(unit)?);
                }
            }
            "members" => {
                for pair in get::<String>(found, "ddl")?
                    .split(',')
                    .filter(|p| !p.is_empty())
                {
                    let (member, unit) = pair.split_once(':').ok_or_else(malformed)?;
                    members.push((number(member)?, number(unit)?));
                }
            }
            _ => rows.push(dump_row(found)?),
        }
    }
    Ok((units, members, rows))
}
