//! Lays out one-line DDL for reading in a diff: a `CREATE TABLE`'s columns and
//! constraints go one per line, so that a changed column is a one-line change.

/// `CREATE TABLE t ( a x, b y )` → one element per line; other statements unchanged.
pub fn layout(statement: &str) -> String {
    let trimmed = statement.trim();
    if !trimmed.to_ascii_uppercase().starts_with("CREATE TABLE") {
        return trimmed.to_owned();
    }
    let (Some(open), Some(close)) = (trimmed.find('('), trimmed.rfind(')')) else {
        return trimmed.to_owned();
    };
    let head = trimmed[..open].trim_end();
    let tail = trimmed[close + 1..].trim();
    let items = split_top_level(&trimmed[open + 1..close]);
    let mut out = format!("{head} (\n");
    out.push_str(
        &items
            .iter()
            .map(|item| format!("    {item}"))
            .collect::<Vec<_>>()
            .join(",\n"),
    );
    out.push_str("\n)");
    if !tail.is_empty() {
        out.push(' ');
        out.push_str(tail);
    }
    out
}

/// Splits on commas outside parentheses and quotes.
pub(crate) fn split_top_level(body: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut current = String::new();
    for c in body.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => depth = depth.saturating_sub(1),
            (None, ',') if depth == 0 => {
                items.push(current.trim().to_owned());
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    if !current.trim().is_empty() {
        items.push(current.trim().to_owned());
    }
    items
}

#[cfg(test)]
mod tests {
    use super::layout;

    #[test]
    fn create_table_gets_one_item_per_line() {
        let sql = r#"CREATE TABLE "t" ( "a" varchar NOT NULL DEFAULT 'x,y', "b" numeric(10, 2), FOREIGN KEY ("a") REFERENCES "u" ("id") )"#;
        assert_eq!(
            layout(sql),
            "CREATE TABLE \"t\" (\n    \"a\" varchar NOT NULL DEFAULT 'x,y',\n    \"b\" numeric(10, 2),\n    FOREIGN KEY (\"a\") REFERENCES \"u\" (\"id\")\n)"
        );
    }

    #[test]
    fn other_statements_are_left_alone() {
        assert_eq!(layout(" DROP TABLE \"t\" "), "DROP TABLE \"t\"");
    }
}
