//! One string of SQL into its statements, as the database cuts it: at each `;` outside
//! string literals, quoted identifiers, dollar quotes and comments (the tokens of
//! squawk's PostgreSQL lexer), and outside the `BEGIN … END` body of a trigger
//! (SQLite) or of a `BEGIN ATOMIC` function (PostgreSQL), whose own statements end
//! with `;` too.

use squawk_lexer::{TokenKind, tokenize};

/// The statements of `sql`, each without its `;` and without the comments and blanks
/// around it; a string of one statement gives that statement back, trimmed. Comments
/// inside a statement stay in it.
///
/// ```
/// let batch = "CREATE INDEX i ON t (a); -- why\nUPDATE t SET a = ';'; DO $$ BEGIN x; END $$;";
/// assert_eq!(
///     statement_capture::split_statements(batch),
///     ["CREATE INDEX i ON t (a)", "UPDATE t SET a = ';'", "DO $$ BEGIN x; END $$"]
/// );
/// ```
pub fn split_statements(sql: &str) -> Vec<String> {
    let mut statements = Vec::new();
    let mut current = Statement::default();
    let mut at = 0;
    for token in tokenize(sql) {
        let len = token.len as usize;
        let Some(text) = sql.get(at..at + len) else {
            break;
        };
        let start = at;
        at += len;
        match token.kind {
            TokenKind::Whitespace | TokenKind::LineComment | TokenKind::BlockComment { .. } => {}
            TokenKind::Semi if current.depth == 0 => {
                current.push_to(sql, &mut statements);
                current = Statement::default();
            }
            TokenKind::Eof => break,
            kind => current.token(kind, text, start, at),
        }
    }
    current.push_to(sql, &mut statements);
    statements
}

/// The statement being read: where its significant tokens start and end, its leading
/// words, and how deep inside `BEGIN … END` blocks the next `;` is.
#[derive(Default)]
struct Statement {
    span: Option<(usize, usize)>,
    /// The first words, upper-cased (enough to know a trigger or a function).
    words: Vec<String>,
    previous: Option<String>,
    depth: usize,
}

impl Statement {
    fn token(&mut self, kind: TokenKind, text: &str, start: usize, end: usize) {
        self.span = Some((self.span.map_or(start, |(s, _)| s), end));
        if kind != TokenKind::Ident {
            self.previous = None;
            return;
        }
        let word = text.to_ascii_uppercase();
        if self.words.len() < 4 {
            self.words.push(word.clone());
        }
        match word.as_str() {
            "BEGIN" if self.opens_blocks() => self.depth += 1,
            "ATOMIC" if self.previous.as_deref() == Some("BEGIN") && self.depth == 0 => {
                self.depth += 1;
            }
            "CASE" if self.depth > 0 => self.depth += 1,
            "END" if self.depth > 0 => self.depth -= 1,
            _ => {}
        }
        self.previous = Some(word);
    }

    /// `CREATE [TEMP] TRIGGER`: its body is `BEGIN … END` (SQLite's way).
    fn opens_blocks(&self) -> bool {
        let word = |i: usize| self.words.get(i).map_or("", String::as_str);
        word(0) == "CREATE"
            && (word(1) == "TRIGGER"
                || (matches!(word(1), "TEMP" | "TEMPORARY") && word(2) == "TRIGGER"))
    }

    fn push_to(&self, sql: &str, statements: &mut Vec<String>) {
        if let Some((start, end)) = self.span
            && let Some(text) = sql.get(start..end)
        {
            statements.push(text.to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_statement_comes_back_trimmed() {
        assert_eq!(split_statements("  SELECT 1  "), ["SELECT 1"]);
        assert_eq!(split_statements("SELECT 1;"), ["SELECT 1"]);
        assert!(split_statements(" -- nothing\n/* at all */ ;").is_empty());
    }

    #[test]
    fn semicolons_in_literals_identifiers_comments_and_dollar_quotes_do_not_split() {
        let batch = "-- first; the index\nCREATE INDEX \"i;x\" ON t (a);\n\
                     UPDATE t SET a = 'x;y', b = E'\\';' /* ; */ WHERE c = $q$;$q$;\n\
                     DO $$\nBEGIN\n  UPDATE t SET a = 'z';\n  RAISE NOTICE 'done; really';\nEND\n$$;\n\
                     /* trailing; comment */";
        assert_eq!(
            split_statements(batch),
            [
                "CREATE INDEX \"i;x\" ON t (a)",
                "UPDATE t SET a = 'x;y', b = E'\\';' /* ; */ WHERE c = $q$;$q$",
                "DO $$\nBEGIN\n  UPDATE t SET a = 'z';\n  RAISE NOTICE 'done; really';\nEND\n$$",
            ]
        );
    }

    #[test]
    fn a_trigger_body_and_a_begin_atomic_body_are_one_statement() {
        let trigger = "CREATE TRIGGER trg AFTER UPDATE ON t\nBEGIN\n  UPDATE t SET a = 1;\n  \
                       SELECT CASE WHEN NEW.a < 0 THEN RAISE(ABORT, 'no') END;\nEND";
        let temp = "CREATE TEMP TRIGGER trg2 AFTER INSERT ON t BEGIN DELETE FROM t; END";
        let atomic =
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END";
        let batch = format!("{trigger};\n{temp};\n{atomic};\nDROP TABLE t;");
        assert_eq!(
            split_statements(&batch),
            [trigger, temp, atomic, "DROP TABLE t"]
        );
        // A transaction's BEGIN opens no block, nor does a column named `begin`.
        assert_eq!(
            split_statements("BEGIN; CREATE TABLE x (\"begin\" int, e int); END;"),
            ["BEGIN", "CREATE TABLE x (\"begin\" int, e int)", "END"]
        );
    }
}
