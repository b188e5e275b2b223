//! A safe runner for any SeaORM [`MigratorTrait`](sea_orm_migration::MigratorTrait):
//! a lock, atomic bookkeeping and checksums, with a CLI over it.

pub mod cli;
