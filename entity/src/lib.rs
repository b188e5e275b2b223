//! SeaORM entities of the application schema (generated; see issue 4).
