//! The review's core on snapshot texts alone (no git, no database): each risk class is
//! flagged with its reason, every object kind shows up, and a base without snapshots
//! makes everything new; text from the migrations stays data in the rendered Markdown.

use std::collections::BTreeMap;

use conformance::{Backend, Check, Finding, SuiteReport};
use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

use conformance::review::{
    BackendSnapshots, BaseSnapshots, Change, Current, Level, MigrationStatus, Report,
};

const BASE_PG: &str = "CREATE TYPE mood AS ENUM ('ok', 'sad');

CREATE TABLE accounts (
    id integer NOT NULL,
    email character varying(200) NOT NULL,
    nickname text,
    age bigint,
    city text,
    team_id integer
);
ALTER TABLE accounts ADD CONSTRAINT accounts_pkey PRIMARY KEY (id);
CREATE INDEX idx_accounts_email ON public.accounts USING btree (email);
CREATE POLICY p_own ON accounts AS PERMISSIVE FOR ALL TO PUBLIC USING (true);

CREATE TABLE legacy (
    id integer NOT NULL
);

CREATE TABLE teams (
    id integer NOT NULL,
    name text NOT NULL
);
ALTER TABLE teams ADD CONSTRAINT teams_pkey PRIMARY KEY (id);
";

const HEAD_PG: &str = "CREATE TYPE mood AS ENUM ('ok', 'glad');

CREATE TABLE accounts (
    id integer NOT NULL,
    email character varying(200) NOT NULL,
    display_name text,
    age integer NOT NULL,
    city text NOT NULL,
    team_id integer,
    score integer NOT NULL
);
ALTER TABLE accounts ADD CONSTRAINT accounts_email_key UNIQUE (email);
ALTER TABLE accounts ADD CONSTRAINT accounts_pkey PRIMARY KEY (id);
ALTER TABLE accounts ADD CONSTRAINT accounts_team_id_fkey FOREIGN KEY (team_id) REFERENCES squads(id) ON DELETE SET NULL;
ALTER TABLE accounts ADD CONSTRAINT score_positive CHECK ((score > 0));
CREATE INDEX idx_accounts_email ON public.accounts USING btree (email);
CREATE TRIGGER trg_accounts BEFORE UPDATE ON public.accounts FOR EACH ROW EXECUTE FUNCTION touch();

CREATE TABLE squads (
    id integer NOT NULL,
    name text NOT NULL
);
ALTER TABLE squads ADD CONSTRAINT teams_pkey PRIMARY KEY (id);

CREATE OR REPLACE FUNCTION public.touch()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
begin
  return new;
end;
$function$;
";

fn snapshots(schema: &str, migrations: &[(&str, &str)]) -> BackendSnapshots {
    BackendSnapshots {
        schema: Some(schema.to_owned()),
        migrations: migrations
            .iter()
            .map(|(n, s)| ((*n).to_owned(), (*s).to_owned()))
            .collect(),
    }
}

fn report(base: BTreeMap<Backend, BackendSnapshots>, head: BackendSnapshots) -> Report {
    let base = BaseSnapshots {
        reference: "main".to_owned(),
        backends: base,
    };
    let current = Current {
        migrations: head.migrations.keys().cloned().collect(),
        backends: BTreeMap::from([(Backend::Postgres, head)]),
        verify: None,
    };
    Report::build(&base, &current)
}

fn flags(report: &Report) -> Vec<(Level, String)> {
    report
        .flagged()
        .iter()
        .filter_map(|(_, item)| item.flag.as_ref().map(|f| (f.level, f.reason.clone())))
        .collect()
}

#[test]
fn every_risk_class_is_flagged_with_its_reason() {
    let report = report(
        BTreeMap::from([(
            Backend::Postgres,
            snapshots(BASE_PG, &[("m1", "-- up\nCREATE TABLE accounts ();\n")]),
        )]),
        snapshots(
            HEAD_PG,
            &[
                ("m1", "-- up\nCREATE TABLE accounts ();\n"),
                ("m2", "-- up\nALTER TABLE accounts ...;\n"),
            ],
        ),
    );
    let flags = flags(&report);
    let has = |level: Level, reason: &str| {
        assert!(
            flags.iter().any(|(l, r)| *l == level && r.contains(reason)),
            "no {level:?} flag saying `{reason}` in {flags:#?}"
        );
    };
    has(Level::Destructive, "drops the table and every row");
    has(
        Level::Destructive,
        "narrows the type from bigint to integer",
    );
    has(Level::Risky, "NOT NULL on an existing column");
    has(Level::Risky, "NOT NULL without a default");
    has(Level::Risky, "a new unique key on an existing table");
    has(Level::Risky, "a new foreign key checks every existing row");
    has(Level::Risky, "a new CHECK constraint");
    has(Level::Risky, "a rename breaks application code");
    has(Level::Destructive, "row-level security policy");
    has(Level::Destructive, "removes the value 'sad' from the enum");
    let review = &report.backends[0];
    let changes: Vec<&Change> = review.items.iter().map(|i| &i.change).collect();
    assert!(changes.iter().any(|c| matches!(c, Change::ColumnRenamed { from, to, .. } if from == "nickname" && to == "display_name")), "{changes:#?}");
    assert!(
        changes.iter().any(
            |c| matches!(c, Change::TableRenamed { from, to } if from == "teams" && to == "squads")
        ),
        "{changes:#?}"
    );
    assert!(
        changes
            .iter()
            .any(|c| matches!(c, Change::TableDropped { table } if table == "legacy")),
        "{changes:#?}"
    );
    assert_eq!(report.migrations.len(), 1);
    assert_eq!(report.migrations[0].status, MigrationStatus::New);
    insta::assert_snapshot!("every_risk_class", report.to_string());
}

#[test]
fn a_base_without_snapshots_makes_everything_new() {
    let report = report(
        BTreeMap::new(),
        snapshots(BASE_PG, &[("m1", "-- up\nCREATE TABLE accounts ();\n")]),
    );
    assert!(report.backends[0].base_missing);
    assert_eq!(report.migrations[0].status, MigrationStatus::New);
    assert!(
        report.backends[0].items.iter().all(|i| i.flag.is_none()),
        "nothing new is risky: {:#?}",
        report.backends[0].items
    );
    let text = report.to_string();
    assert!(text.contains("has no postgres `schema.snap`"), "{text}");
}

#[test]
fn a_merged_migration_edited_or_removed_is_called_out() {
    let base = BTreeMap::from([(
        Backend::Postgres,
        snapshots(
            BASE_PG,
            &[
                ("m1", "-- up\nCREATE TABLE a ();\n"),
                ("m2", "-- up\nCREATE TABLE b ();\n"),
            ],
        ),
    )]);
    let report = report(
        base,
        snapshots(BASE_PG, &[("m1", "-- up\nCREATE TABLE a (x int);\n")]),
    );
    let statuses: Vec<(&str, &MigrationStatus)> = report
        .migrations
        .iter()
        .map(|m| (m.name.as_str(), &m.status))
        .collect();
    assert_eq!(
        statuses,
        [
            ("m1", &MigrationStatus::Edited(vec![Backend::Postgres])),
            ("m2", &MigrationStatus::Removed)
        ]
    );
    let text = report.to_string();
    assert!(
        text.contains("> [!CAUTION]\n> **An already-merged migration was edited: `m1`**"),
        "{text}"
    );
    assert!(
        text.contains("**An already-merged migration was removed: `m2`.**"),
        "{text}"
    );
    assert!(text.contains("+CREATE TABLE a (x int);"), "{text}");
}

#[test]
fn a_run_that_did_not_finish_is_not_read_as_every_table_dropped() {
    let mut head = snapshots(BASE_PG, &[("m1", "-- up\nCREATE TABLE accounts ();\n")]);
    head.schema = None;
    let report = report(
        BTreeMap::from([(
            Backend::Postgres,
            snapshots(BASE_PG, &[("m1", "-- up\nCREATE TABLE accounts ();\n")]),
        )]),
        head,
    );
    assert!(report.backends[0].current_missing);
    assert!(report.backends[0].items.is_empty());
    assert!(report.has_changes());
    let text = report.to_string();
    assert!(
        text.contains(
            "The migrations did not all apply on postgres: there is no schema to compare"
        ),
        "{text}"
    );
    assert!(!text.contains("dropped"), "{text}");
}

#[test]
fn text_that_is_not_a_dump_never_panics() {
    let odd = [
        "",
        ")(",
        "CREATE TABLE t ) x (;",
        "CREATE TABLE \"unterminated (\n    \"a;\n",
        "ALTER TABLE",
        "COMMENT ON IS 'x';",
        "CREATE FUNCTION f(\n$$ never closed",
        "CREATE INDEX ON;\nCREATE TRIGGER t BEGIN\nEND;",
        "-- \n--",
        "CREATE TYPE e AS ENUM );",
        "ALTER TABLE t ADD CONSTRAINT c FOREIGN KEY ( REFERENCES;",
        "CREATE TABLE é (\n    ü integer REFERENCES\n);",
    ];
    for base in odd {
        for head in odd {
            for backend in Backend::ALL {
                let report = Report::build(
                    &BaseSnapshots {
                        reference: "main".to_owned(),
                        backends: BTreeMap::from([(backend, snapshots(base, &[]))]),
                    },
                    &Current {
                        migrations: Vec::new(),
                        backends: BTreeMap::from([(backend, snapshots(head, &[]))]),
                        verify: None,
                    },
                );
                let _ = report.to_string();
            }
        }
    }
}

/// SQL whose comment tries to close the report's fence and `<details>` block and to
/// mention someone, with a line of four backticks and a table named with HTML.
const HOSTILE_SQL: &str = "-- up\n/*\n```\n</details>\n\n**@someone** look\n````\n*/\nCREATE TABLE \"a<b>\" (id integer NOT NULL);";

/// What a CommonMark parser (with GitHub's tables) makes of the report: the fenced code
/// blocks' contents, the raw HTML outside them, the text outside code, and the text of
/// every strong emphasis.
#[derive(Default, Debug)]
struct Parsed {
    code_blocks: Vec<String>,
    html: Vec<String>,
    text: String,
    inline_code: Vec<String>,
    strong: Vec<String>,
}

fn parse_markdown(markdown: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let mut block: Option<String> = None;
    let mut strong: Vec<String> = Vec::new();
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(_))) => block = Some(String::new()),
            Event::End(TagEnd::CodeBlock) => parsed.code_blocks.extend(block.take()),
            Event::Text(t) if block.is_some() => block.iter_mut().for_each(|b| b.push_str(&t)),
            Event::Start(Tag::Strong) => strong.push(String::new()),
            Event::End(TagEnd::Strong) => parsed.strong.extend(strong.pop()),
            Event::Text(t) => {
                parsed.text.push_str(&t);
                strong.iter_mut().for_each(|s| s.push_str(&t));
            }
            Event::Code(c) => parsed.inline_code.push(c.to_string()),
            Event::Html(h) | Event::InlineHtml(h) => parsed.html.push(h.to_string()),
            _ => {}
        }
    }
    parsed
}

#[test]
fn text_from_migrations_cannot_close_the_reports_blocks_or_mention_anyone() {
    let hostile_message =
        "table a<b> failed </details> **@someone** see #12\n```\n</details>\n**@someone**\n````";
    let verify = SuiteReport {
        findings: vec![
            Finding::new(
                Check::StepReversibility,
                Some(Backend::Postgres),
                Some("m1<b>"),
                hostile_message,
            ),
            Finding::new(
                Check::Lint,
                Some(Backend::Postgres),
                Some("m1<b>"),
                "index `a<b>` on @someone </details>",
            ),
        ],
        ..SuiteReport::default()
    };
    let head = snapshots(
        "CREATE TABLE \"a<b>\" (\n    id integer NOT NULL\n);\n",
        &[("m1<b>", HOSTILE_SQL)],
    );
    let mut report = report(BTreeMap::new(), head);
    report.verify = Some(verify);
    let markdown = report.to_string();
    let parsed = parse_markdown(&markdown);

    // Each block the renderer opened holds exactly what it was given: no line of it
    // closed the fence early.
    assert!(
        parsed.code_blocks.contains(&format!("{HOSTILE_SQL}\n")),
        "the SQL is not one whole code block: {parsed:#?}\n{markdown}"
    );
    let (_, rest) = hostile_message.split_once('\n').unwrap_or_default();
    assert!(
        parsed.code_blocks.contains(&format!("{rest}\n")),
        "the finding's details are not one whole code block: {parsed:#?}\n{markdown}"
    );
    // Outside code, the only HTML is the renderer's own: its marker, one `<details>`
    // with its summary, and the one `</details>` that closes it.
    let closing = parsed
        .html
        .iter()
        .filter(|h| h.contains("</details>"))
        .count();
    let opening = parsed
        .html
        .iter()
        .filter(|h| h.contains("<details>"))
        .count();
    assert_eq!((opening, closing), (1, 1), "{:#?}\n{markdown}", parsed.html);
    for html in &parsed.html {
        assert!(
            !html.contains("<b>") && !html.contains("someone"),
            "migration text became HTML: {html:?}\n{markdown}"
        );
    }
    assert!(
        parsed
            .html
            .iter()
            .any(|h| h.contains("<code>m1&lt;b&gt;</code>")),
        "{:#?}",
        parsed.html
    );
    // Text outside code reads as written, the mention broken, nothing made bold.
    assert!(!parsed.text.contains("@someone"), "{}", parsed.text);
    assert!(parsed.text.contains("@\u{200B}someone"), "{}", parsed.text);
    assert!(parsed.text.contains("#\u{200B}12"), "{}", parsed.text);
    assert!(
        parsed
            .text
            .contains("table a<b> failed </details> **@\u{200B}someone**"),
        "{}",
        parsed.text
    );
    assert!(
        parsed.strong.iter().all(|s| !s.contains("someone")),
        "{:#?}",
        parsed.strong
    );
    assert!(
        parsed.inline_code.iter().any(|c| c.contains("a<b>")),
        "{:#?}",
        parsed.inline_code
    );
}
