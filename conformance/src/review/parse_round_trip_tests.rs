//! Moved here from the integration tests when `parse_dump` became private.
//!
//! The review reads a committed `schema.snap` back into objects: for schemas holding
//! every kind of object the catalog reports, the objects parsed from the dump's text
//! have exactly the catalog's keys, in its order.

use sea_orm::ConnectionTrait;

use super::parse_dump;
use crate::catalog::dump;
use crate::{Backend, fresh_database};

async fn assert_round_trip(backend: Backend, statements: &[&str]) {
    let Some(db) = fresh_database(backend).await else {
        return;
    };
    for sql in statements {
        db.conn
            .execute_unprepared(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    let catalog = dump(&db.conn).await.expect("dump");
    let parsed = parse_dump(&catalog.to_string(), backend);
    let keys = |d: &crate::catalog::SchemaDump| -> Vec<String> {
        d.objects.iter().map(|(k, _)| k.to_string()).collect()
    };
    assert_eq!(keys(&parsed), keys(&catalog), "{catalog}");
    for ((_, parsed), (_, ddl)) in parsed.objects.iter().zip(&catalog.objects) {
        assert_eq!(parsed.trim(), ddl.trim());
    }
    db.close().await.expect("close");
}

#[tokio::test]
async fn every_postgres_object_kind_parses_back_to_its_key() {
    assert_round_trip(
        Backend::Postgres,
        &[
            "CREATE SCHEMA extra",
            "CREATE EXTENSION citext",
            "CREATE TYPE mood AS ENUM ('ok', 'it''s; fine')",
            "CREATE DOMAIN positive AS integer CHECK (VALUE > 0)",
            "CREATE TYPE pair AS (a integer, b text)",
            "CREATE TYPE span AS RANGE (subtype = integer)",
            "CREATE SEQUENCE counter",
            "CREATE TABLE items (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, label text NOT NULL DEFAULT 'a;b', mood mood, n positive, UNIQUE (label))",
            "CREATE TABLE extra.children (id serial PRIMARY KEY, item_id integer REFERENCES items (id) ON DELETE CASCADE, CHECK (id > 0))",
            "CREATE INDEX idx_children_item ON extra.children (item_id) WHERE item_id IS NOT NULL",
            "ALTER TABLE items ENABLE ROW LEVEL SECURITY",
            "ALTER TABLE items FORCE ROW LEVEL SECURITY",
            "CREATE POLICY p_items ON items USING (true)",
            "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\nNEW.label := 'x;';\nRETURN NEW;\nEND;\n$$",
            "CREATE FUNCTION add(a integer, b integer DEFAULT 1) RETURNS integer LANGUAGE sql AS $body$ SELECT a + b; $body$",
            "CREATE PROCEDURE noop() LANGUAGE sql AS $$ SELECT 1 $$",
            "CREATE AGGREGATE total(integer) (SFUNC = int4pl, STYPE = integer)",
            "CREATE TRIGGER trg_items BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION touch()",
            "CREATE VIEW v_items AS SELECT id, label FROM items WHERE label <> ';'",
            "CREATE MATERIALIZED VIEW m_items AS SELECT id FROM items",
            "CREATE INDEX idx_m_items ON m_items (id)",
            "COMMENT ON TABLE items IS 'two\nlines; CREATE TABLE not_one ();'",
            "COMMENT ON COLUMN items.label IS 'the label'",
            // Names that need quotes in SQL are keyed by the names themselves.
            "CREATE TABLE \"user\" (id integer CONSTRAINT \"User Key\" PRIMARY KEY, \"Display Name\" text)",
            "CREATE INDEX \"Idx Display\" ON \"user\" (\"Display Name\")",
            "CREATE TRIGGER \"Trg\" BEFORE UPDATE ON \"user\" FOR EACH ROW EXECUTE FUNCTION touch()",
            "CREATE POLICY \"Own\" ON \"user\" USING (true)",
            "CREATE FUNCTION \"Order\"(\"group\" integer) RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$",
            "CREATE TABLE extra.\"Order\" (id integer)",
        ],
    )
    .await;
}

#[tokio::test]
async fn every_sqlite_object_kind_parses_back_to_its_key() {
    assert_round_trip(
        Backend::Sqlite,
        &[
            "CREATE TABLE \"items\" (id integer PRIMARY KEY AUTOINCREMENT, label text NOT NULL DEFAULT 'a;b' COLLATE NOCASE, CHECK (label <> ''))",
            "CREATE TABLE children (id integer PRIMARY KEY, item_id integer REFERENCES items (id) ON DELETE CASCADE)",
            "CREATE UNIQUE INDEX \"idx_items_label\" ON items (label) WHERE label <> ''",
            "CREATE TRIGGER trg_items AFTER INSERT ON items BEGIN\n  UPDATE items SET label = 'x;' WHERE id = NEW.id;\n  DELETE FROM children WHERE 0;\nEND",
            "CREATE VIEW v_items AS SELECT id FROM items",
            "INSERT INTO items (label) VALUES ('one')",
            "PRAGMA user_version = 7",
        ],
    )
    .await;
}

#[tokio::test]
async fn every_mysql_object_kind_parses_back_to_its_key() {
    assert_round_trip(
        Backend::MySql,
        &[
            "CREATE SEQUENCE counter",
            "CREATE TABLE owners (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, name varchar(20) NOT NULL DEFAULT 'a;b' COMMENT 'it''s; END')",
            "CREATE TABLE items (id int PRIMARY KEY, owner_id int NOT NULL, label varchar(100) NOT NULL, UNIQUE KEY uq_items_label (label), KEY idx_items_owner (owner_id), CONSTRAINT fk_items_owner FOREIGN KEY (owner_id) REFERENCES owners (id) ON DELETE CASCADE, CONSTRAINT ck_items_label CHECK (label <> ';'))",
            "CREATE TRIGGER trg_items BEFORE INSERT ON items FOR EACH ROW BEGIN\n  IF NEW.label = '' THEN\n    SET NEW.label = CASE WHEN NEW.id > 0 THEN 'x;' ELSE 'y\\';' END;\n  END IF;\n  BEGIN\n    SET NEW.id = NEW.id; # END;\n  END;\nEND",
            "CREATE TRIGGER trg_items_after AFTER INSERT ON items FOR EACH ROW SET @n = 1",
            "CREATE VIEW v_items AS SELECT id, label FROM items WHERE label <> ';'",
            "CREATE FUNCTION add_one(x INT) RETURNS int DETERMINISTIC\nBEGIN\nRETURN x + 1;\nEND",
            "CREATE PROCEDURE setup()\nBEGIN # a comment: END;\n/* END; */\nCREATE TABLE scratch (id int);\n\nCREATE INDEX idx_scratch ON scratch (id);\nIF @x IS NULL THEN\n  SET @x = 1;\nEND IF;\nCASE @x WHEN 1 THEN SET @y = 2; ELSE SET @y = 3; END CASE;\nCREATE TABLE scratch2 (id int);\nEND",
            // Names that need quotes in SQL are keyed by the names themselves.
            "CREATE TABLE `Order Lines` (`select` int, `a``b` text)",
        ],
    )
    .await;
}
