//! What a table's CHECK constraints ask of one column, read from their text in the
//! usual shapes: a list of allowed values (`IN (…)`, PostgreSQL's `= ANY (ARRAY[…])`),
//! a range (`>`, `>=`, `<`, `<=`, `BETWEEN`), a length (`length`, `char_length`,
//! `octet_length`) and a `LIKE` pattern. A constraint over several columns, or of
//! another shape, is not read: the row is offered as generated and the database says
//! whether it fits (a refused row is reported, never hidden).

use std::collections::BTreeMap;

use crate::sqltokens::{Class, SqlToken, tokens};

/// What the CHECK constraints of a table ask of one column.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Rule {
    /// The values allowed (string literals unquoted, numbers as written).
    pub(super) allowed: Option<Vec<String>>,
    /// The smallest value allowed.
    pub(super) min: Option<f64>,
    /// The largest value allowed.
    pub(super) max: Option<f64>,
    /// The shortest text allowed.
    pub(super) min_len: Option<usize>,
    /// The longest text allowed.
    pub(super) max_len: Option<usize>,
    /// A `LIKE` pattern the text must match.
    pub(super) like: Option<String>,
    /// The text must be a JSON document (`json_valid`), of this kind when a
    /// `json_type` asks for one.
    pub(super) json: Option<JsonKind>,
}

/// The JSON a column's CHECK asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum JsonKind {
    Any,
    Array,
    Object,
}

/// The rules of every column named alone in one of `checks` (expressions as the
/// backend prints them), by column name.
pub(super) fn rules<'a>(
    checks: impl IntoIterator<Item = &'a String>,
    columns: &[String],
) -> BTreeMap<String, Rule> {
    let mut out: BTreeMap<String, Rule> = BTreeMap::new();
    for check in checks {
        let tokens = tokens(check);
        let mentioned: Vec<&String> = columns
            .iter()
            .filter(|c| tokens.iter().any(|t| names(t, c)))
            .collect();
        let [column] = mentioned.as_slice() else {
            continue;
        };
        read_into(&tokens, out.entry((*column).clone()).or_default());
    }
    out
}

/// Whether `token` names `column` (unquoted words without case, quoted exactly).
fn names(token: &SqlToken, column: &str) -> bool {
    match token.class {
        Class::Word => token.text.eq_ignore_ascii_case(column),
        Class::QuotedIdent => unquote(&token.text, '"') == column,
        _ => false,
    }
}

fn word(token: Option<&SqlToken>, word: &str) -> bool {
    token.is_some_and(|t| t.class == Class::Word && t.text.eq_ignore_ascii_case(word))
}

/// One constraint's shapes added to `rule`.
fn read_into(tokens: &[SqlToken], rule: &mut Rule) {
    let json_function = ["json_valid", "json_type", "json_typeof", "jsonb_typeof"];
    if tokens
        .iter()
        .any(|t| json_function.iter().any(|f| word(Some(t), f)))
    {
        let literal = |text: &str| {
            tokens
                .iter()
                .any(|t| t.class == Class::Literal && literal_value(&t.text) == text)
        };
        rule.json = Some(if literal("array") {
            JsonKind::Array
        } else if literal("object") {
            JsonKind::Object
        } else {
            JsonKind::Any
        });
        return;
    }
    let negated = tokens.iter().any(|t| word(Some(t), "not"));
    let length = tokens.iter().any(|t| {
        ["length", "char_length", "character_length", "octet_length"]
            .iter()
            .any(|f| word(Some(t), f))
    });
    let listed = tokens
        .iter()
        .any(|t| word(Some(t), "in") || word(Some(t), "any"));
    if listed && !negated {
        let values: Vec<String> = tokens
            .iter()
            .filter(|t| t.class == Class::Literal)
            .map(|t| literal_value(&t.text))
            .collect();
        if !values.is_empty() {
            rule.allowed = Some(values);
        }
        return;
    }
    for (i, token) in tokens.iter().enumerate() {
        // PostgreSQL prints `LIKE` as the operator `~~` (`!~~` for NOT LIKE).
        let like_operator = token.text == "~~"
            || (token.text == "~"
                && tokens.get(i + 1).is_some_and(|t| t.text == "~")
                && !(i > 0 && tokens[i - 1].text == "!"));
        if (word(Some(token), "like") || like_operator) && !negated {
            let pattern = tokens[i + 1..]
                .iter()
                .find(|t| t.class != Class::Symbol)
                .filter(|t| t.class == Class::Literal);
            if let Some(pattern) = pattern {
                rule.like = Some(literal_value(&pattern.text));
            }
        }
        if word(Some(token), "between") && !negated {
            let low = tokens.get(i + 1).and_then(number);
            let high = tokens.get(i + 3).and_then(number);
            if let (Some(low), Some(high)) = (low, high) {
                bound(rule, length, ">=", low);
                bound(rule, length, "<=", high);
            }
        }
        let Some(value) = number(token) else { continue };
        // `op number` bounds the column; `number op` bounds it the other way round.
        if let Some(op) = operator_before(tokens, i) {
            bound(rule, length, &op, value);
        } else if let Some(op) = operator_after(tokens, i) {
            bound(rule, length, &flipped(&op), value);
        }
    }
}

/// `>=`, `<`… written just before token `i` (the lexer may cut it in two).
fn operator_before(tokens: &[SqlToken], i: usize) -> Option<String> {
    let mut op = String::new();
    for token in tokens[..i].iter().rev().take(2) {
        if token.class != Class::Symbol
            || !matches!(
                token.text.as_str(),
                "<" | ">" | "=" | ">=" | "<=" | "<>" | "!="
            )
        {
            break;
        }
        op.insert_str(0, &token.text);
    }
    comparison(op)
}

fn operator_after(tokens: &[SqlToken], i: usize) -> Option<String> {
    let mut op = String::new();
    for token in tokens[i + 1..].iter().take(2) {
        if token.class != Class::Symbol
            || !matches!(
                token.text.as_str(),
                "<" | ">" | "=" | ">=" | "<=" | "<>" | "!="
            )
        {
            break;
        }
        op.push_str(&token.text);
    }
    comparison(op)
}

fn comparison(op: String) -> Option<String> {
    matches!(op.as_str(), ">" | ">=" | "<" | "<=" | "=").then_some(op)
}

fn flipped(op: &str) -> String {
    match op {
        ">" => "<",
        ">=" => "<=",
        "<" => ">",
        "<=" => ">=",
        other => other,
    }
    .to_owned()
}

/// Narrows `rule` by `column op value` (of the column's length when `length`).
fn bound(rule: &mut Rule, length: bool, op: &str, value: f64) {
    if length {
        let value = value.max(0.0) as usize;
        let (min, max) = match op {
            ">" => (Some(value + 1), None),
            ">=" => (Some(value), None),
            "<" => (None, Some(value.saturating_sub(1))),
            "<=" => (None, Some(value)),
            "=" => (Some(value), Some(value)),
            _ => (None, None),
        };
        if let Some(min) = min {
            rule.min_len = Some(rule.min_len.map_or(min, |m| m.max(min)));
        }
        if let Some(max) = max {
            rule.max_len = Some(rule.max_len.map_or(max, |m| m.min(max)));
        }
        return;
    }
    // Exclusive bounds as the nearest whole number inside them: generated numbers
    // are whole wherever a range applies.
    let (min, max) = match op {
        ">" => (Some(value.floor() + 1.0), None),
        ">=" => (Some(value.ceil()), None),
        "<" => (None, Some(value.ceil() - 1.0)),
        "<=" => (None, Some(value.floor())),
        "=" => (Some(value), Some(value)),
        _ => (None, None),
    };
    if let Some(min) = min {
        rule.min = Some(rule.min.map_or(min, |m| m.max(min)));
    }
    if let Some(max) = max {
        rule.max = Some(rule.max.map_or(max, |m| m.min(max)));
    }
}

/// A numeric literal's value (`-` before it included by the caller's operator scan
/// only as far as PostgreSQL prints negatives in parentheses; rare in CHECKs).
fn number(token: &SqlToken) -> Option<f64> {
    (token.class == Class::Literal)
        .then(|| token.text.trim_matches('\'').parse::<f64>().ok())
        .flatten()
}

/// A literal's value: a string unquoted (`''` → `'`, an `E` prefix dropped), a
/// number as written.
fn literal_value(text: &str) -> String {
    let text = text
        .strip_prefix(['E', 'e', 'N', 'n'])
        .filter(|rest| rest.starts_with('\''))
        .unwrap_or(text);
    if text.starts_with('\'') {
        unquote(text, '\'')
    } else {
        text.to_owned()
    }
}

fn unquote(text: &str, quote: char) -> String {
    let doubled: String = [quote, quote].iter().collect();
    text.strip_prefix(quote)
        .and_then(|t| t.strip_suffix(quote))
        .unwrap_or(text)
        .replace(&doubled, &quote.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule_of(check: &str) -> Rule {
        let columns = [
            "status".to_owned(),
            "priority".to_owned(),
            "name".to_owned(),
        ];
        rules([&check.to_owned()], &columns)
            .remove(
                columns
                    .iter()
                    .find(|c| check.contains(c.as_str()))
                    .map_or("", |c| c),
            )
            .unwrap_or_default()
    }

    #[test]
    fn reads_lists_as_each_backend_prints_them() {
        let sqlite = rule_of("\"status\" IN ('draft', 'it''s', 'done')");
        assert_eq!(
            sqlite.allowed.as_deref(),
            Some(&["draft".to_owned(), "it's".to_owned(), "done".to_owned()][..])
        );
        let postgres = rule_of(
            "((status)::text = ANY ((ARRAY['draft'::character varying, 'done'::character varying])::text[]))",
        );
        assert_eq!(
            postgres.allowed.as_deref(),
            Some(&["draft".to_owned(), "done".to_owned()][..])
        );
        assert_eq!(rule_of("status NOT IN ('x')").allowed, None);
    }

    #[test]
    fn reads_ranges_both_ways_round_and_between() {
        let r = rule_of("(priority >= 1) AND (priority <= 5)");
        assert_eq!((r.min, r.max), (Some(1.0), Some(5.0)));
        let r = rule_of("0 < priority");
        assert_eq!((r.min, r.max), (Some(1.0), None));
        let r = rule_of("priority BETWEEN 10 AND 20");
        assert_eq!((r.min, r.max), (Some(10.0), Some(20.0)));
    }

    #[test]
    fn reads_lengths_and_like_patterns() {
        let r = rule_of("length(name) <= 8 AND length(name) > 2");
        assert_eq!((r.min_len, r.max_len, r.min), (Some(3), Some(8), None));
        let r = rule_of("char_length((name)::text) < 5");
        assert_eq!(r.max_len, Some(4));
        assert_eq!(rule_of("name LIKE '%@%'").like.as_deref(), Some("%@%"));
        assert_eq!(
            rule_of("(name ~~ '%@%.test'::text)").like.as_deref(),
            Some("%@%.test")
        );
    }

    #[test]
    fn reads_what_json_a_column_must_hold() {
        let r = rule_of("json_valid(\"name\") AND json_type(\"name\") = 'array'");
        assert_eq!(r.json, Some(JsonKind::Array));
        assert_eq!(rule_of("json_valid(name)").json, Some(JsonKind::Any));
    }

    #[test]
    fn a_check_over_two_columns_is_left_to_the_database() {
        let columns = ["a".to_owned(), "b".to_owned()];
        assert!(rules([&"a < b".to_owned()], &columns).is_empty());
    }
}
