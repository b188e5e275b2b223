//! What parity compares: a closed set of aspects, named as the allow-list names them.

use std::fmt;

/// One aspect of a table, column, index or foreign key that SQLite and PostgreSQL must
/// agree on. Its name is what an allow-list entry gives after the path
/// (`events.payload kind  # why`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Aspect {
    /// The table, column, index or foreign key exists on one backend only.
    Exists,
    /// A column's type.
    Kind,
    /// A column's collation.
    Collation,
    /// Whether a column is generated.
    Generated,
    /// A column's nullability.
    Nullable,
    /// A column's default.
    Default,
    /// The order of a table's columns.
    ColumnOrder,
    /// A table's primary key.
    PrimaryKey,
    /// A table's unique constraints.
    UniqueConstraints,
    /// A table's CHECK constraints (by number).
    Checks,
    /// An index's columns or expressions.
    Columns,
    /// Whether an index is unique.
    Unique,
    /// Whether an index is partial.
    Partial,
    /// The table and columns a foreign key references.
    Target,
    /// A foreign key's ON DELETE action.
    OnDelete,
    /// A foreign key's ON UPDATE action.
    OnUpdate,
}

impl Aspect {
    /// Its name, as the allow-list and the findings spell it (`column-order`).
    pub const fn name(self) -> &'static str {
        match self {
            Aspect::Exists => "exists",
            Aspect::Kind => "kind",
            Aspect::Collation => "collation",
            Aspect::Generated => "generated",
            Aspect::Nullable => "nullable",
            Aspect::Default => "default",
            Aspect::ColumnOrder => "column-order",
            Aspect::PrimaryKey => "primary-key",
            Aspect::UniqueConstraints => "unique-constraints",
            Aspect::Checks => "checks",
            Aspect::Columns => "columns",
            Aspect::Unique => "unique",
            Aspect::Partial => "partial",
            Aspect::Target => "target",
            Aspect::OnDelete => "on-delete",
            Aspect::OnUpdate => "on-update",
        }
    }
}

impl fmt::Display for Aspect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
