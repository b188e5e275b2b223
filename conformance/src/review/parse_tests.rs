//! The dump's text back into objects, per backend: keys as the catalog's, every
//! statement in exactly one object.

use super::*;

fn keys(text: &str, backend: Backend) -> Vec<String> {
    parse_dump(text, backend)
        .objects
        .iter()
        .map(|(k, _)| k.to_string())
        .collect()
}

#[test]
fn postgres_objects_get_the_catalog_keys() {
    let text = "CREATE EXTENSION citext WITH SCHEMA public VERSION '1.6';\n\
        CREATE TYPE mood AS ENUM ('a', 'b');\n\
        \nCREATE TABLE items (\n    id integer NOT NULL,\n    note text DEFAULT 'x;y'::text\n);\n\
        ALTER TABLE items ENABLE ROW LEVEL SECURITY;\nALTER TABLE items FORCE ROW LEVEL SECURITY;\n\
        ALTER TABLE items ADD CONSTRAINT items_pkey PRIMARY KEY (id);\n\
        CREATE UNIQUE INDEX idx_items_note ON public.items USING btree (note);\n\
        CREATE INDEX idx_s ON s.other USING btree (a);\n\
        CREATE TRIGGER trg BEFORE INSERT ON public.items FOR EACH ROW EXECUTE FUNCTION f();\n\
        CREATE POLICY p_items ON items AS PERMISSIVE FOR ALL TO PUBLIC USING (true);\n\
        \nCREATE OR REPLACE FUNCTION public.f()\n RETURNS trigger\n LANGUAGE plpgsql\nAS $function$\nbegin\nALTER TABLE x ADD COLUMN y int;\nreturn new;\nend;\n$function$;\n\
        -- aggregate public.agg(integer)\n\
        COMMENT ON TABLE items IS 'a\nCREATE TABLE not_a_table (\n);';\n";
    assert_eq!(
        keys(text, Backend::Postgres),
        [
            "extension citext",
            "enum type mood",
            "table items",
            "row security on items",
            "constraint items.items_pkey",
            "index idx_items_note",
            "index s.idx_s",
            "trigger items.trg",
            "policy items.p_items",
            "function f()",
            "aggregate public.agg(integer)",
            "comment on table items",
        ]
    );
}

#[test]
fn sqlite_objects_get_the_catalog_keys() {
    let text = "CREATE TABLE \"items\" (\n    \"id\" integer NOT NULL PRIMARY KEY\n);\n\
        CREATE INDEX IF NOT EXISTS \"idx_items\" ON \"items\" (\"id\");\n\
        CREATE TRIGGER trg AFTER INSERT ON items BEGIN\n  UPDATE items SET id = id;\nEND;\n\
        CREATE VIEW v AS SELECT 1;\n\
        PRAGMA user_version = 3;\n\
        -- sqlite_sequence: items = 4\n";
    assert_eq!(
        keys(text, Backend::Sqlite),
        [
            "table items",
            "index idx_items",
            "trigger trg",
            "view v",
            "setting user_version",
            "autoincrement counter of items",
        ]
    );
}

#[test]
fn the_insta_header_is_not_part_of_the_body() {
    assert_eq!(
        snapshot_body("---\nsource: x\n---\nCREATE TABLE t ();\n"),
        "CREATE TABLE t ();\n"
    );
    assert_eq!(snapshot_body("plain"), "plain");
}

/// A MySQL dump as `catalog::mysql::dump` writes it: tables, views and routines after an
/// empty line, each table's triggers right after it; bodies whose inner statements end
/// with `;`, at the start of a line too.
const MYSQL_DUMP: &str = "
CREATE SEQUENCE `counter` start with 1 minvalue 1 maxvalue 9223372036854775806 increment by 1 cache 1000 nocycle ENGINE=InnoDB;

CREATE TABLE `items` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `label` varchar(20) NOT NULL DEFAULT 'a;b',
  `note` text DEFAULT 'it''s; END',
  PRIMARY KEY (`id`),
  KEY `idx_items_label` (`label`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE TRIGGER `trg_items` BEFORE INSERT ON `items` FOR EACH ROW BEGIN
  IF NEW.label = '' THEN
    SET NEW.label = CASE WHEN NEW.note IS NULL THEN 'x;' ELSE 'y\\';' END;
  END IF;
  /* a comment; with END; inside */
  BEGIN
    SET NEW.note = 'z'; # END;
  END;
END;
CREATE TRIGGER `trg_items_after` AFTER INSERT ON `items` FOR EACH ROW SET @n = 1;

CREATE ALGORITHM=UNDEFINED SQL SECURITY DEFINER VIEW `v_items` AS select `items`.`id` AS `id` from `items`;

CREATE FUNCTION `add_one`(x INT) RETURNS int(11)
    DETERMINISTIC
BEGIN
RETURN x + 1;
END;

CREATE PROCEDURE `setup`()
BEGIN # a comment: END;
/* END; */
CREATE TABLE scratch (id int, `begin` int);

CREATE INDEX idx_scratch ON scratch (id);
SELECT s.begin FROM scratch s;
IF @x IS NULL THEN
  SET @x = 1;
END IF;
CASE @x WHEN 1 THEN SET @y = 2; ELSE SET @y = 3; END CASE;
CREATE TABLE scratch2 (id int);
lbl: LOOP
  LEAVE lbl;
END LOOP lbl;
END;

CREATE PACKAGE `pkg` AS
  FUNCTION f RETURN INT;
END;

CREATE PACKAGE BODY `pkg` AS
  FUNCTION f RETURN INT AS BEGIN RETURN 1; END;
END;
";

#[test]
fn mysql_objects_get_the_catalog_keys() {
    assert_eq!(
        keys(MYSQL_DUMP, Backend::MySql),
        [
            "sequence counter",
            "table items",
            "trigger items.trg_items",
            "trigger items.trg_items_after",
            "view v_items",
            "function add_one",
            "procedure setup",
            "object pkg",
            "object pkg",
        ]
    );
}

/// Every statement of `text` lands in exactly one object: the objects' texts, one
/// after the other, are the dump's text (blank lines aside).
fn assert_whole(text: &str, backend: Backend) {
    let dump = parse_dump(text, backend);
    let joined: Vec<String> = dump.objects.iter().map(|(_, ddl)| ddl.clone()).collect();
    let significant = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(significant(&joined.join("\n")), significant(text));
    for (key, ddl) in &dump.objects {
        assert!(ddl.trim_end().ends_with(';'), "{key}: {ddl}");
        assert!(ddl.starts_with("CREATE "), "{key}: {ddl}");
    }
}

#[test]
fn a_mysql_object_is_one_statement_whatever_its_body_holds() {
    assert_whole(MYSQL_DUMP, Backend::MySql);
    let dump = parse_dump(MYSQL_DUMP, Backend::MySql);
    let trigger = &dump.objects[2].1;
    assert!(trigger.ends_with("  END;\nEND;"), "{trigger}");
    let procedure = &dump.objects[6].1;
    assert!(
        procedure.contains("CREATE INDEX idx_scratch"),
        "{procedure}"
    );
}

/// The committed MySQL snapshot of this repository's migrations.
const COMMITTED_MYSQL: &str = include_str!("../../../snapshots/mysql/schema.snap");

#[test]
fn the_committed_mysql_snapshot_parses_into_its_tables() {
    let body = snapshot_body(COMMITTED_MYSQL);
    assert_whole(body, Backend::MySql);
    let dump = parse_dump(body, Backend::MySql);
    let created: Vec<String> = body
        .lines()
        .filter_map(|l| l.strip_prefix("CREATE TABLE `"))
        .map(|l| format!("table {}", l.split('`').next().unwrap_or_default()))
        .collect();
    assert_eq!(created.len(), 17, "{created:?}");
    assert_eq!(keys(body, Backend::MySql), created);
    assert_eq!(created[7], "table mcp_auth_headers");
    assert!(
        dump.objects
            .iter()
            .all(|(k, _)| k.kind == ObjectKind::Table)
    );
    // Each table's text reads into its columns and its inline keys.
    let schema = crate::review::model::SchemaText::new(dump);
    let headers = &schema.tables["mcp_auth_headers"];
    assert_eq!(headers.columns.len(), 10);
    assert_eq!(headers.constraints.len(), 3);
    assert_eq!(
        schema.references("mcp_auth_headers")[0].target,
        "mcp_servers"
    );
    assert_eq!(
        schema.key_columns("api_tokens"),
        (vec!["id".to_owned()], vec!["token_prefix".to_owned()])
    );
}
