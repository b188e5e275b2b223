//! Parity's unit tests: findings, allowances, stale lines, pairs.

use super::*;
use crate::catalog::{Column, Kind};

fn schema(sql_type: &str) -> LogicalSchema {
    typed(sql_type, None)
}

fn typed(sql_type: &str, collation: Option<&str>) -> LogicalSchema {
    let mut table = Table::default();
    table.columns.push(Column {
        name: "payload".to_owned(),
        kind: Kind::Other(sql_type.to_owned()),
        nullable: false,
        default: None,
        default_sql: None,
        sql_type: sql_type.to_owned(),
        collation: collation.map(str::to_owned),
        generated: None,
        identity: false,
    });
    LogicalSchema {
        tables: [("events".to_owned(), table)].into(),
        ..LogicalSchema::default()
    }
}

#[test]
fn a_kind_difference_is_a_finding_unless_allow_listed() {
    let (s, p) = (schema("text"), schema("jsonb"));
    let findings = parity(&s, &p, &AllowList::default());
    assert_eq!(findings.len(), 1);
    assert!(
        findings[0]
            .message
            .starts_with("events.payload kind: sqlite has text, postgres has jsonb"),
        "{}",
        findings[0]
    );

    let allow =
        AllowList::parse("events.payload kind  # SQLite has no JSON type\n", "x").expect("parse");
    assert!(parity(&s, &p, &allow).is_empty());
}

#[test]
fn a_stale_allowance_is_a_finding() {
    let s = schema("jsonb");
    let allow = AllowList::parse("events.payload kind  # old reason\n", "list.txt").expect("parse");
    let findings = parity(&s, &s.clone(), &allow);
    assert_eq!(findings.len(), 1);
    assert!(
        findings[0]
            .message
            .contains("matches no difference any more"),
        "{}",
        findings[0]
    );
}

#[test]
fn types_sea_query_declares_alike_are_no_finding() {
    for (sqlite, postgres) in [
        ("integer", "bigint"),
        ("double", "double precision"),
        ("varchar", "character varying"),
        ("timestamp_with_timezone_text", "timestamp with time zone"),
    ] {
        let findings = parity(&schema(sqlite), &schema(postgres), &AllowList::default());
        assert!(findings.is_empty(), "{sqlite} / {postgres}: {findings:?}");
    }
}

#[test]
fn case_insensitive_text_is_equivalent_only_when_configured() {
    let s = typed("text", Some("nocase"));
    let p = typed("citext", None);
    let findings = parity(&s, &p, &AllowList::default());
    let messages: Vec<&str> = findings.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(findings.len(), 2, "{messages:?}");
    assert!(messages[0].starts_with("events.payload kind: sqlite has text, postgres has citext"));
    assert!(messages[1].starts_with(
        "events.payload collation: sqlite has nocase, postgres has the default collation"
    ));

    let allow = AllowList::parse(
        "equivalent sqlite: text collate nocase = postgres: citext  # case-insensitive\n",
        "x",
    )
    .expect("parse");
    assert!(parity(&s, &p, &allow).is_empty());
    let stale = parity(&schema("text"), &schema("text"), &allow);
    assert_eq!(stale.len(), 1);
    assert!(
        stale[0].message.contains("matches no column any more"),
        "{}",
        stale[0]
    );
}

#[test]
fn a_postgres_only_check_is_a_finding() {
    let s = schema("integer");
    let mut p = schema("integer");
    if let Some(table) = p.tables.get_mut("events") {
        table.checks.insert(
            "events_payload_check".to_owned(),
            "(payload > 0)".to_owned(),
        );
    }
    let findings = parity(&s, &p, &AllowList::default());
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(
        findings[0].message.starts_with(
            "events checks: sqlite has no CHECK, postgres has 1 CHECK ((payload > 0))"
        ),
        "{}",
        findings[0]
    );
}

#[test]
fn a_generated_column_on_one_backend_is_a_finding() {
    let s = schema("integer");
    let mut p = schema("integer");
    if let Some(table) = p.tables.get_mut("events") {
        table.columns[0].generated = Some("(1 + 1)".to_owned());
    }
    let findings = parity(&s, &p, &AllowList::default());
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(
        findings[0].message.starts_with(
            "events.payload generated: sqlite has a plain column, postgres has GENERATED AS ((1 + 1))"
        ),
        "{}",
        findings[0]
    );
}

#[test]
fn index_expressions_compare_without_casts() {
    assert_eq!(
        expression_shape("lower((email)::text)"),
        expression_shape("lower(\"email\")")
    );
    assert_ne!(
        expression_shape("lower(email)"),
        expression_shape("upper(email)")
    );
}

fn with_default(sql_type: &str, default: &str) -> LogicalSchema {
    let mut schema = schema(sql_type);
    if let Some(table) = schema.tables.get_mut("events") {
        table.columns[0].default = Some(default.to_owned());
    }
    schema
}

#[test]
fn mysql_booleans_default_to_what_sea_query_declared() {
    let mysql = with_default("tinyint(1)", "0");
    let same = parity_of(
        Pair::MySqlPostgres,
        &mysql,
        &with_default("boolean", "false"),
        &AllowList::default(),
    );
    assert!(same.is_empty(), "{same:?}");
    let other = parity_of(
        Pair::MySqlSqlite,
        &mysql,
        &with_default("boolean", "true"),
        &AllowList::default(),
    );
    assert_eq!(other.len(), 1, "{other:?}");
    assert!(
        other[0]
            .message
            .starts_with("mysql-sqlite: events.payload default: mysql has false, sqlite has true"),
        "{}",
        other[0]
    );
    // Only MySQL's boolean: a `tinyint` (sea-query's tiny integer) keeps its 0.
    let tiny = parity_of(
        Pair::MySqlPostgres,
        &with_default("tinyint", "0"),
        &with_default("smallint", "false"),
        &AllowList::default(),
    );
    assert_eq!(tiny.len(), 1, "{tiny:?}");
}
