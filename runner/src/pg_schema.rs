//! A PostgreSQL schema name given by a user: one identifier, never SQL.
//!
//! It is parsed the way PostgreSQL parses an identifier (unquoted: folded to lower case;
//! double-quoted: kept as written, `""` for a quote), so that `public`, `PUBLIC` and
//! `"public"` are one schema, and it is only ever used bound as a value or quoted by
//! [`PgSchema::quoted`]. Anything else (a list, a statement, an empty name) is refused.

use std::fmt;

use crate::error::Error;

/// PostgreSQL truncates identifiers longer than this many bytes (NAMEDATALEN - 1); a
/// longer name would silently name another schema, so it is refused instead.
const MAX_IDENTIFIER_BYTES: usize = 63;

/// A schema name in PostgreSQL's canonical spelling (what `pg_namespace.nspname` holds).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PgSchema(String);

impl PgSchema {
    /// Parses one identifier as PostgreSQL would.
    ///
    /// ```
    /// use migration_runner::PgSchema;
    /// assert_eq!(PgSchema::parse("PUBLIC").unwrap().name(), "public");
    /// assert_eq!(PgSchema::parse("\"public\"").unwrap().name(), "public");
    /// assert!(PgSchema::parse("public; DROP TABLE x").is_err());
    /// ```
    pub fn parse(given: &str) -> Result<Self, Error> {
        let refuse = |reason: &str| Error::InvalidSchemaName {
            given: given.to_owned(),
            reason: reason.to_owned(),
        };
        if given.is_empty() {
            return Err(refuse("the name is empty"));
        }
        let name = if let Some(inner) = given.strip_prefix('"') {
            let inner = inner
                .strip_suffix('"')
                .ok_or_else(|| refuse("a quoted name must end with a double quote"))?;
            // Inside quotes, a quote must be doubled; a single one would end the name.
            let mut name = String::new();
            let mut chars = inner.chars().peekable();
            while let Some(c) = chars.next() {
                if c == '"' && chars.next() != Some('"') {
                    return Err(refuse(
                        "one identifier expected, found text after its closing quote",
                    ));
                }
                name.push(c);
            }
            name
        } else {
            let mut chars = given.chars();
            let first_ok = chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || !c.is_ascii());
            let rest_ok =
                chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$' || !c.is_ascii());
            if !first_ok || !rest_ok {
                return Err(refuse(
                    "an unquoted name has letters, digits, _ and $ only and starts with a letter or _; quote it (\"My Schema\") for anything else",
                ));
            }
            given.to_ascii_lowercase()
        };
        if name.is_empty() {
            return Err(refuse("the name is empty"));
        }
        if name.contains('\0') {
            return Err(refuse("the name contains a NUL character"));
        }
        if name.chars().any(char::is_control) {
            return Err(refuse(
                "the name contains a control character (a tab, a line break, an escape)",
            ));
        }
        if name.len() > MAX_IDENTIFIER_BYTES {
            return Err(refuse("PostgreSQL names are at most 63 bytes long"));
        }
        Ok(Self(name))
    }

    /// A name read from the catalog, already canonical.
    pub(crate) fn from_catalog(name: String) -> Self {
        Self(name)
    }

    /// The canonical name, as stored in `pg_namespace.nspname`.
    pub fn name(&self) -> &str {
        &self.0
    }

    /// The name as a quoted identifier, safe to place in SQL or a `search_path`.
    pub fn quoted(&self) -> String {
        format!("\"{}\"", self.0.replace('"', "\"\""))
    }
}

impl fmt::Display for PgSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::PgSchema;

    #[test]
    fn spellings_of_one_schema_are_one_name() {
        for given in ["public", "PUBLIC", "Public", "\"public\""] {
            assert_eq!(PgSchema::parse(given).unwrap().name(), "public", "{given}");
        }
        assert_eq!(PgSchema::parse("\"Public\"").unwrap().name(), "Public");
        assert_eq!(
            PgSchema::parse("\"a\"\"b\"").unwrap().quoted(),
            "\"a\"\"b\""
        );
    }

    #[test]
    fn anything_but_one_identifier_is_refused() {
        for given in [
            "",
            "\"\"",
            "public,public",
            "public public",
            "\"public\"; CREATE TABLE injected(x int); --",
            "\"public",
            "\"a\"b\"",
            "1abc",
            "a-b",
            &"x".repeat(64),
        ] {
            assert!(PgSchema::parse(given).is_err(), "{given:?} accepted");
        }
    }
}
