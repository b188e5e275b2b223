//! PostgreSQL's catalog (`pg_catalog`), over every schema but the system ones.
//!
//! The dump is one query over all schemas, with the DDL written by the server: the step
//! walk dumps the catalog three times per migration, and the fingerprint hashes the
//! same text without sending it. Objects that an extension owns are left out
//! (the extension stands for them), and so are owners and grants, which vary by
//! environment. Names are qualified with their schema unless it is `public`. Objects
//! are keyed by their names as the catalog holds them (`user`, `Order`), as on SQLite;
//! only the DDL text quotes them (`"user"`).

//!
//! - `macros`: the SQL fragments every query shares (which schemas and tables are the
//!   user's, names as SQL writes them and as the catalog holds them, an object's unit);
//! - [`dump`]: the dump query and the fingerprint of its text;
//! - [`ddl_log`]: the event trigger that notes what each DDL command touched, and the
//!   function that reads those objects' units again;
//! - [`tracker`]: the catalog followed from one migration call to the next;
//! - [`logical`]: the backend-neutral facts ([`super::LogicalSchema`]).

#[macro_use]
mod macros;
mod ddl_log;
mod dump;
mod logical;
mod tracker;

pub(super) use dump::{fingerprint, read_rows};
pub(super) use logical::logical;
pub(super) use tracker::Tracker;
