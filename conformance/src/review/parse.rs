//! A committed `schema.snap` back into objects: the dump's text is each object's DDL
//! joined by newlines, so it splits at the end of each top-level statement (outside
//! quotes and dollar quotes; a SQLite trigger's body runs to its `END;`) and each
//! statement says what it creates.
//!
//! MySQL's dump (`SHOW CREATE …`, see `catalog::mysql::dump`) keeps a trigger's or a
//! routine's body as written, whose statements end with `;` too, anywhere on a line: a
//! MySQL object ends at a `;` outside its `BEGIN … END` blocks (comments, backslash
//! escapes and `END IF`-like closers read as MySQL reads them) where the next line starts
//! another object (`CREATE`). Its objects are keyed as that dump keys them: a trigger as
//! `table.name`, a routine by its name alone, a MariaDB package as `Other`.
//!
//! Both sides of a review are parsed the same way (the current run's dump through its
//! own text too), so an object's key is the same on both sides whatever the statement.

use crate::backends::Backend;
use crate::catalog::ddl::{after_words, read_name, split_items, table_after_on, unqualify_public};
use crate::catalog::{ObjectKey, ObjectKind, SchemaDump};

/// The body of an insta snapshot file (without its `---` header), or the text itself.
pub fn snapshot_body(file: &str) -> &str {
    file.strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---\n"))
        .map_or(file, |(_, body)| body)
}

/// The objects of a dump's text (`schema.snap`'s body), keyed as the catalog keys them.
pub fn parse_dump(text: &str, backend: Backend) -> SchemaDump {
    let mut dump = SchemaDump::default();
    for statement in statements(text, backend) {
        let key = classify(&statement, backend);
        // PostgreSQL writes ENABLE and FORCE ROW LEVEL SECURITY as one object.
        match dump.objects.last_mut() {
            Some((last, ddl)) if *last == key && key.kind == ObjectKind::RowSecurity => {
                ddl.push('\n');
                ddl.push_str(&statement);
            }
            _ => dump.objects.push((key, statement)),
        }
    }
    dump
}

/// The statements of `text`, each without surrounding blank lines.
fn statements(text: &str, backend: Backend) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut current = String::new();
    let mut scanner = Scanner::new(backend);
    for (at, line) in lines.iter().enumerate() {
        if current.is_empty() {
            if line.trim().is_empty() {
                continue;
            }
            // Objects the catalog shows as a comment line (`-- aggregate f(int)`).
            if line.starts_with("--") {
                out.push(line.trim_end().to_owned());
                continue;
            }
        }
        if !current.is_empty() {
            current.push('\n');
        }
        current.push_str(line);
        scanner.feed(line);
        if scanner.at_statement_end(&current, line, &lines[at + 1..]) {
            out.push(current.trim().to_owned());
            current.clear();
            scanner = Scanner::new(backend);
        }
    }
    if !current.trim().is_empty() {
        out.push(current.trim().to_owned());
    }
    out
}

/// Quote state across the lines of one statement.
#[derive(Default)]
struct Scanner {
    /// `'`, `"` or `` ` `` while inside such a quote.
    quote: Option<char>,
    /// The tag of an open dollar quote (`$function$` → `function`).
    dollar: Option<String>,
    /// MySQL's text: backslash escapes in strings, `#` and `/* */` comments, and
    /// compound statements (`BEGIN … END`) whose inner statements end with `;` too.
    mysql: Option<Blocks>,
}

/// How deep a MySQL statement is in `BEGIN … END` blocks and `CASE … END`.
#[derive(Default)]
struct Blocks {
    depth: i32,
    /// The last word was `END`: the next one says what it closes (`END IF` closes no
    /// block counted here).
    after_end: bool,
    /// Inside a `/* */` comment.
    comment: bool,
}

impl Blocks {
    fn word(&mut self, word: &str) {
        let word = word.to_ascii_uppercase();
        if std::mem::take(&mut self.after_end) {
            if matches!(word.as_str(), "IF" | "LOOP" | "WHILE" | "REPEAT" | "FOR") {
                return;
            }
            self.depth -= 1;
            if word == "CASE" {
                return;
            }
        }
        match word.as_str() {
            "BEGIN" | "CASE" => self.depth += 1,
            "END" => self.after_end = true,
            _ => {}
        }
    }

    /// A `;` or the statement's end: an `END` before it closes a block.
    fn settle(&mut self) {
        if std::mem::take(&mut self.after_end) {
            self.depth -= 1;
        }
    }
}

impl Scanner {
    fn new(backend: Backend) -> Self {
        Self {
            mysql: (backend == Backend::MySql).then(Blocks::default),
            ..Self::default()
        }
    }

    fn feed(&mut self, line: &str) {
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if let Some(blocks) = self.mysql.as_mut().filter(|b| b.comment) {
                if c == '*' && chars.get(i + 1) == Some(&'/') {
                    blocks.comment = false;
                    i += 1;
                }
            } else if let Some(tag) = &self.dollar {
                let closing = format!("${tag}$");
                if line[char_offset(line, i)..].starts_with(&closing) {
                    i += closing.chars().count();
                    self.dollar = None;
                    continue;
                }
            } else if let Some(q) = self.quote {
                if c == '\\' && self.mysql.is_some() && q != '`' {
                    i += 1;
                } else if c == q {
                    self.quote = None;
                }
            } else if matches!(c, '\'' | '"' | '`') {
                self.quote = Some(c);
            } else if c == '-' && chars.get(i + 1) == Some(&'-') {
                break;
            } else if let Some(blocks) = self.mysql.as_mut() {
                i = mysql_unquoted(blocks, &chars, i);
                continue;
            } else if c == '$'
                && let Some(tag) = dollar_tag(&chars[i + 1..])
            {
                i += tag.chars().count() + 2;
                self.dollar = Some(tag);
                continue;
            }
            i += 1;
        }
    }

    /// Whether `statement` ends at `line`, `rest` being the lines after it.
    fn at_statement_end(&mut self, statement: &str, line: &str, rest: &[&str]) -> bool {
        if self.quote.is_some() || self.dollar.is_some() || !line.trim_end().ends_with(';') {
            return false;
        }
        if let Some(blocks) = self.mysql.as_mut() {
            blocks.settle();
            // Each object of MySQL's dump starts a line with `CREATE`.
            let next = rest.iter().find(|l| !l.trim().is_empty());
            return !blocks.comment
                && blocks.depth <= 0
                && next.is_none_or(|l| starts_with_word(l, "CREATE"));
        }
        // A SQLite trigger's body holds statements of its own, up to `END;`.
        let upper = statement.to_ascii_uppercase();
        let is_trigger = upper.trim_start().starts_with("CREATE TRIGGER")
            || upper.trim_start().starts_with("CREATE TEMP TRIGGER");
        if is_trigger && has_word(&upper, "BEGIN") {
            return line.trim().eq_ignore_ascii_case("END;")
                || line.to_ascii_uppercase().trim_end().ends_with(" END;");
        }
        true
    }
}

/// One unquoted unit of MySQL's text at `chars[i]` (a comment's start, a word, a `;`,
/// another character): its effect on `blocks`, and where the next unit starts.
fn mysql_unquoted(blocks: &mut Blocks, chars: &[char], i: usize) -> usize {
    let c = chars[i];
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$';
    if c == '#' {
        return chars.len();
    }
    if c == '/' && chars.get(i + 1) == Some(&'*') {
        blocks.comment = true;
        return i + 2;
    }
    if c == ';' {
        blocks.settle();
        return i + 1;
    }
    if !is_word(c) {
        return i + 1;
    }
    let end = (i..chars.len())
        .find(|&j| !is_word(chars[j]))
        .unwrap_or(chars.len());
    // `t.end` is a name, not a keyword.
    if i == 0 || chars[i - 1] != '.' {
        blocks.word(&chars[i..end].iter().collect::<String>());
    }
    end
}

fn starts_with_word(line: &str, word: &str) -> bool {
    line.split_whitespace()
        .next()
        .is_some_and(|w| w.eq_ignore_ascii_case(word))
}

fn char_offset(line: &str, chars: usize) -> usize {
    line.char_indices()
        .nth(chars)
        .map_or(line.len(), |(at, _)| at)
}

/// `tag$...` → `tag` when `after` (what follows a `$`) opens a dollar quote.
fn dollar_tag(after: &[char]) -> Option<String> {
    let end = after.iter().position(|c| *c == '$')?;
    let tag: String = after[..end].iter().collect();
    let valid = tag
        .chars()
        .enumerate()
        .all(|(i, c)| c == '_' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit()));
    valid.then_some(tag)
}

fn has_word(text: &str, word: &str) -> bool {
    text.split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .any(|w| w == word)
}

/// Which object a statement of the dump stands for.
fn classify(statement: &str, backend: Backend) -> ObjectKey {
    let words = Words::new(statement);
    let other = || ObjectKey::new(ObjectKind::Other, first_line(statement));
    let upper = words.upper();
    let starts = |prefix: &[&str]| upper.len() >= prefix.len() && upper[..prefix.len()] == *prefix;
    if let Some(rest) = statement.strip_prefix("-- ") {
        return comment_line_object(rest).unwrap_or_else(other);
    }
    if starts(&["COMMENT", "ON"]) {
        return comment_object(&words, &upper).unwrap_or_else(other);
    }
    if starts(&["PRAGMA"]) {
        let name = words.raw.get(1).map_or("", |w| w.trim_end_matches(';'));
        return ObjectKey::new(ObjectKind::Setting, name);
    }
    if starts(&["ALTER", "TABLE"]) {
        return altered_object(statement).unwrap_or_else(other);
    }
    if !starts(&["CREATE"]) {
        return other();
    }
    created_object(statement, &upper, backend).unwrap_or_else(other)
}

/// `COMMENT ON <kind> <ident> IS '...'` → `comment on <kind> <ident>`.
fn comment_object(words: &Words<'_>, upper: &[String]) -> Option<ObjectKey> {
    let is = upper.iter().rposition(|w| w == "IS")?;
    let target: Vec<&str> = words.raw[2..is].to_vec();
    let kind = target.first().map(|k| k.to_ascii_lowercase());
    let ident = target
        .get(1..)
        .map(|rest| rest.join(" "))
        .unwrap_or_default();
    Some(ObjectKey::new(
        ObjectKind::Comment,
        format!("{} {ident}", kind.unwrap_or_default()),
    ))
}

/// `ALTER TABLE t ADD CONSTRAINT c ...` → `constraint t.c`; `ALTER TABLE t ENABLE ROW
/// LEVEL SECURITY` → `row security on t`.
fn altered_object(statement: &str) -> Option<ObjectKey> {
    let (table, rest) = read_name(after_words(statement, 2));
    let rest_upper = rest.trim_start().to_ascii_uppercase();
    if rest_upper.starts_with("ADD CONSTRAINT") {
        let (constraint, _) = read_name(&rest.trim_start()["ADD CONSTRAINT".len()..]);
        return Some(ObjectKey::new(
            ObjectKind::Constraint,
            format!("{table}.{constraint}"),
        ));
    }
    rest_upper
        .contains("ROW LEVEL SECURITY")
        .then(|| ObjectKey::new(ObjectKind::RowSecurity, table))
}

/// `CREATE [OR REPLACE] [UNIQUE | UNLOGGED | TEMP | MATERIALIZED ...] <what> [IF NOT
/// EXISTS | CONCURRENTLY] name ...`: what it creates (upper-case), its modifiers, and
/// the index of the word the name starts at.
fn created_kind(upper: &[String], backend: Backend) -> (String, Vec<String>, usize) {
    let mut at = 1;
    let mut modifiers = Vec::new();
    while let Some(word) = upper.get(at) {
        match word.as_str() {
            "OR" | "REPLACE" | "UNIQUE" | "UNLOGGED" | "TEMP" | "TEMPORARY" | "MATERIALIZED"
            | "CONSTRAINT" | "RECURSIVE" | "TRUSTED" | "PROCEDURAL" | "VIRTUAL" => {}
            _ if backend == Backend::MySql && is_mysql_modifier(word) => {}
            _ => break,
        }
        modifiers.push(word.clone());
        at += 1;
    }
    let what = upper.get(at).cloned().unwrap_or_default();
    let mut name_start = at + 1;
    while let Some(word) = upper.get(name_start) {
        match word.as_str() {
            "IF" | "NOT" | "EXISTS" | "CONCURRENTLY" => name_start += 1,
            // MariaDB's `CREATE PACKAGE BODY p`.
            "BODY" if backend == Backend::MySql && what == "PACKAGE" => name_start += 1,
            _ => break,
        }
    }
    (what, modifiers, name_start)
}

/// What MySQL writes between `CREATE` and the kind of object: a view's `ALGORITHM=…`
/// and `SQL SECURITY …`, a `DEFINER=…` the dump did not strip, MariaDB's `AGGREGATE
/// FUNCTION`.
fn is_mysql_modifier(word: &str) -> bool {
    word.starts_with("ALGORITHM=")
        || word.starts_with("DEFINER=")
        || matches!(
            word,
            "SQL" | "SECURITY" | "DEFINER" | "INVOKER" | "AGGREGATE" | "NONEDITIONABLE"
        )
}

/// The object a `CREATE` statement makes; `None` for a kind the dump does not hold.
fn created_object(statement: &str, upper: &[String], backend: Backend) -> Option<ObjectKey> {
    let (what, modifiers, name_start) = created_kind(upper, backend);
    let tail = after_words(statement, name_start);
    let (name, rest) = read_name(tail);
    if backend == Backend::MySql {
        // MySQL keys a routine by its name alone; MariaDB's packages are `Other`.
        let kind = match what.as_str() {
            "FUNCTION" => Some(ObjectKind::Function),
            "PROCEDURE" => Some(ObjectKind::Procedure),
            "PACKAGE" => Some(ObjectKind::Other),
            _ => None,
        };
        if let Some(kind) = kind {
            return Some(ObjectKey::new(kind, name));
        }
    }
    let kind = match what.as_str() {
        "SCHEMA" => ObjectKind::Schema,
        "EXTENSION" => ObjectKind::Extension,
        "DOMAIN" => ObjectKind::Domain,
        "SEQUENCE" => ObjectKind::Sequence,
        "TABLE" => ObjectKind::Table,
        "VIEW" if modifiers.iter().any(|m| m == "MATERIALIZED") => ObjectKind::MaterializedView,
        "VIEW" => ObjectKind::View,
        "TYPE" => {
            let rest = rest.trim_start().to_ascii_uppercase();
            if rest.starts_with("AS ENUM") {
                ObjectKind::EnumType
            } else if rest.starts_with("AS RANGE") {
                ObjectKind::RangeType
            } else {
                ObjectKind::CompositeType
            }
        }
        "FUNCTION" => return Some(routine_key(ObjectKind::Function, tail, rest)),
        "PROCEDURE" => return Some(routine_key(ObjectKind::Procedure, tail, rest)),
        "INDEX" => {
            let name = match (backend, table_after_on(rest)) {
                // The index's schema is its table's.
                (Backend::Postgres, Some(table)) => match table.rsplit_once('.') {
                    Some((schema, _)) => format!("{schema}.{name}"),
                    None => name,
                },
                _ => name,
            };
            return Some(ObjectKey::new(ObjectKind::Index, name));
        }
        "TRIGGER" if matches!(backend, Backend::Postgres | Backend::MySql) => {
            let table = table_after_on(rest).unwrap_or_default();
            return Some(ObjectKey::new(
                ObjectKind::Trigger,
                format!("{table}.{name}"),
            ));
        }
        "TRIGGER" => ObjectKind::Trigger,
        "POLICY" => {
            let table = table_after_on(rest).unwrap_or_default();
            return Some(ObjectKey::new(
                ObjectKind::Policy,
                format!("{table}.{name}"),
            ));
        }
        _ => return None,
    };
    Some(ObjectKey::new(kind, unqualify_public(&name)))
}

/// A function or procedure, keyed by its name and identity arguments (`f(integer)`).
fn routine_key(kind: ObjectKind, tail: &str, rest: &str) -> ObjectKey {
    let signature = first_line(tail);
    let signature = signature
        .find('(')
        .map_or(signature, |open| &signature[..open]);
    let name = format!(
        "{}({})",
        unqualify_public(&name_of(signature)),
        identity_arguments(first_line(rest))
    );
    ObjectKey::new(kind, name)
}

/// `(a integer, b integer DEFAULT 1)` → `a integer, b integer`: the arguments as
/// PostgreSQL names a function by (`pg_get_function_identity_arguments`).
fn identity_arguments(list: &str) -> String {
    let inner = list
        .trim()
        .strip_prefix('(')
        .and_then(|l| l.strip_suffix(')'))
        .unwrap_or(list);
    split_items(inner)
        .iter()
        .map(|arg| {
            let upper = arg.to_ascii_uppercase();
            let end = [" DEFAULT ", " = "]
                .iter()
                .filter_map(|k| upper.find(k))
                .min()
                .unwrap_or(arg.len());
            arg[..end].trim().to_owned()
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `foreign table s.t`, `aggregate f(int)`, `sqlite_sequence: t = 5`.
fn comment_line_object(rest: &str) -> Option<ObjectKey> {
    if let Some(name) = rest.strip_prefix("foreign table ") {
        return Some(ObjectKey::new(ObjectKind::ForeignTable, name.trim()));
    }
    if let Some(name) = rest.strip_prefix("aggregate ") {
        return Some(ObjectKey::new(ObjectKind::Aggregate, name.trim()));
    }
    let counter = rest.strip_prefix("sqlite_sequence: ")?;
    let (table, _) = counter.rsplit_once(" = ")?;
    Some(ObjectKey::new(ObjectKind::AutoincrementCounter, table))
}

fn name_of(text: &str) -> String {
    read_name(text).0
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default().trim()
}

/// Whitespace-separated words of a statement, as written and upper-cased.
struct Words<'a> {
    raw: Vec<&'a str>,
}

impl<'a> Words<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            raw: text.split_whitespace().collect(),
        }
    }

    fn upper(&self) -> Vec<String> {
        self.raw.iter().map(|w| w.to_ascii_uppercase()).collect()
    }
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
