//! SeaORM entities of the application schema.
//!
//! - [`generated`]: one entity per table, generated from the migrated PostgreSQL schema
//!   by `entity-codegen` (`make entities`); never edit by hand. `generated/FIDELITY.md`
//!   lists what the schema enforces that the entities cannot express, and the reverse:
//!   the enum-like columns, typed by the enums of [`generated::enums`] (re-exported
//!   here) but plain strings in the database.
//! - [`domain`]: the domain types. Tables without secrets (Pattern A) use the entity
//!   `Model` itself; tables with encrypted triples (Pattern B) have their own structs.
//! - [`views`]: the `DerivePartialModel` reads of Pattern B tables, which never select
//!   a salt or a nonce.
//! - [`crypto`]: encryption of the Pattern B secrets.

pub mod crypto;
pub mod domain;
pub mod generated;
pub mod views;

pub use domain::*;
pub use generated::enums::*;
pub use generated::*;
pub use views::*;
