//! The edits of the migrator's lists: text in, text out, nothing written. Each inserts
//! the new module in name order, styled like the entries around it.

use super::migration_name;

/// Adds `pub mod MODULE;` among the `mod` lines of a `mod.rs`, in order.
pub(super) fn declare_module(text: &str, module: &str) -> Result<String, String> {
    insert_mod_line(text, module).ok_or_else(|| "it has no `pub mod mX;` line".to_owned())
}

/// Adds `MODULE` to the list in `lib.rs` (macro call or `Box::new` list), in order.
pub(super) fn register_in_lib(text: &str, module: &str) -> Result<String, String> {
    let mut edited = false;
    let mut text = text.to_owned();
    for marker in ["migrations!(", "migration_sources!("] {
        if let Some(next) = insert_in_macro_list(&text, marker, module) {
            text = next;
            edited = true;
        }
    }
    if let Some(next) = insert_boxed(&text, module) {
        text = next;
        edited = true;
    }
    if edited {
        Ok(text)
    } else {
        Err(
            "found neither a `migrations!(mA, ...)` list nor `Box::new(mA::Migration)` entries"
                .to_owned(),
        )
    }
}

/// sea-orm-cli's `lib.rs`: a `mod MODULE;` line and a `Box::new(MODULE::Migration)` entry.
pub(super) fn register_flat(text: &str, module: &str) -> Result<String, String> {
    let declared =
        insert_mod_line(text, module).ok_or_else(|| "it has no `mod mX;` line".to_owned())?;
    insert_boxed(&declared, module)
        .ok_or_else(|| "it has no `Box::new(mX::Migration)` entry".to_owned())
}

/// Inserts a `mod` line, styled like its neighbours, after the last migration module
/// that sorts before `module` (or before the first).
fn insert_mod_line(text: &str, module: &str) -> Option<String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let declared: Vec<(usize, &str, &str)> = lines
        .iter()
        .enumerate()
        .filter_map(|(i, line)| {
            let trimmed = line.trim();
            let (prefix, rest) = trimmed
                .strip_prefix("pub mod ")
                .map(|r| ("pub mod ", r))
                .or_else(|| trimmed.strip_prefix("mod ").map(|r| ("mod ", r)))?;
            let name = rest.strip_suffix(';')?.trim();
            migration_name(name)?;
            Some((i, prefix, name))
        })
        .collect();
    let (first, prefix, _) = *declared.first()?;
    let indent: String = lines[first]
        .chars()
        .take_while(|c| c.is_whitespace())
        .collect();
    let at = declared
        .iter()
        .filter(|(_, _, name)| *name < module)
        .map(|(i, _, _)| i + 1)
        .next_back()
        .unwrap_or(first);
    let mut out = String::with_capacity(text.len() + module.len() + 16);
    for (i, line) in lines.iter().enumerate() {
        if i == at {
            out.push_str(&format!("{indent}{prefix}{module};\n"));
        }
        out.push_str(line);
        if i + 1 == at && i + 1 == lines.len() {
            if !line.ends_with('\n') {
                out.push('\n');
            }
            out.push_str(&format!("{indent}{prefix}{module};\n"));
        }
    }
    Some(out)
}

/// Inserts `module` into the identifier list of the first `marker` call that is not a
/// `macro_rules!` definition (`migrations!(a, b)`; after `=>` for `migration_sources!`).
/// `None` when there is no such call or its list is not all migration modules.
fn insert_in_macro_list(text: &str, marker: &str, module: &str) -> Option<String> {
    let mut from = 0;
    let start = loop {
        let at = from + text[from..].find(marker)?;
        let before = text[..at].trim_end();
        let is_call = !before.ends_with("macro_rules!")
            && !text[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':');
        if is_call {
            break at + marker.len();
        }
        from = at + marker.len();
    };
    let end = start + text[start..].find(')')?;
    let list_start = match text[start..end].find("=>") {
        Some(arrow) => start + arrow + 2,
        None => start,
    };
    let entries: Vec<(usize, usize)> = spans(text, list_start, end);
    if entries.is_empty() {
        return None;
    }
    if entries
        .iter()
        .any(|(s, e)| migration_name(&text[*s..*e]).is_none())
    {
        return None;
    }
    insert_entry(text, &entries, module, module)
}

/// The (start, end) of each comma-separated, trimmed entry of `text[from..to]`.
fn spans(text: &str, from: usize, to: usize) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let mut at = from;
    for piece in text[from..to].split(',') {
        let lead = piece.len() - piece.trim_start().len();
        let trimmed = piece.trim();
        if !trimmed.is_empty() {
            found.push((at + lead, at + lead + trimmed.len()));
        }
        at += piece.len() + 1;
    }
    found
}

/// Inserts `Box::new(MODULE::Migration)` among the `Box::new(mX::Migration)` entries.
fn insert_boxed(text: &str, module: &str) -> Option<String> {
    let mut entries = Vec::new();
    let mut from = 0;
    while let Some(found) = text[from..].find("Box::new(") {
        let start = from + found;
        let name_start = start + "Box::new(".len();
        from = name_start;
        let Some(rest) = text[name_start..].find("::Migration)") else {
            continue;
        };
        let name = &text[name_start..name_start + rest];
        if migration_name(name.trim()).is_some() {
            entries.push((start, name_start + rest + "::Migration)".len()));
        }
    }
    if entries.is_empty() {
        return None;
    }
    let position = entries
        .iter()
        .filter(|(s, e)| {
            text[*s..*e]
                .trim_start_matches("Box::new(")
                .trim_end_matches("::Migration)")
                .trim()
                < module
        })
        .count();
    let entry = format!("Box::new({module}::Migration)");
    insert_at(text, &entries, position, &entry)
}

/// Inserts `entry` in `text`'s list `entries` (sorted by their text) where `key` sorts.
fn insert_entry(text: &str, entries: &[(usize, usize)], key: &str, entry: &str) -> Option<String> {
    let position = entries.iter().filter(|(s, e)| &text[*s..*e] < key).count();
    insert_at(text, entries, position, entry)
}

/// Inserts `entry` before entry `position` (or after the last), copying the separator
/// its neighbours use (`,\n    ` or `, `); a lone entry's separator follows its layout.
/// A one-line list that grows past [`MAX_WIDTH`] is laid out one entry a line.
fn insert_at(
    text: &str,
    entries: &[(usize, usize)],
    position: usize,
    entry: &str,
) -> Option<String> {
    let separator = match entries {
        [(_, end), (next, _), ..] => text[*end..*next].to_owned(),
        [(start, _)] => lone_separator(text, *start),
        [] => return None,
    };
    let mut out = text.to_owned();
    let at = if position < entries.len() {
        let (start, _) = entries[position];
        out.insert_str(start, &format!("{entry}{separator}"));
        start
    } else {
        let (_, end) = *entries.last()?;
        out.insert_str(end, &format!("{separator}{entry}"));
        end + separator.len()
    };
    let line_start = out[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_end = out[at..].find('\n').map_or(out.len(), |i| at + i);
    let too_long = out[line_start..line_end].chars().count() > MAX_WIDTH;
    if !separator.contains('\n') && too_long {
        return one_a_line(text, entries, position, entry).or(Some(out));
    }
    Some(out)
}

/// rustfmt's default line width.
const MAX_WIDTH: usize = 100;

/// The separator for a list of one entry starting at `start`: `,\n` and its indentation
/// when it stands on its own line, else `, `.
fn lone_separator(text: &str, start: usize) -> String {
    let before = &text[..start];
    let gap = &before[before.trim_end().len()..];
    match gap.rfind('\n') {
        Some(newline) => format!(",\n{}", &gap[newline + 1..]),
        None => ", ".to_owned(),
    }
}

/// The one-line list `open[a, b]` (or `(...)`) with `entry` inserted at `position`, laid
/// out as rustfmt does: one entry a line, one step deeper than the line that opens it,
/// each with a comma. `None` when the list is not delimited by brackets or parentheses.
fn one_a_line(
    text: &str,
    entries: &[(usize, usize)],
    position: usize,
    entry: &str,
) -> Option<String> {
    let (first, _) = *entries.first()?;
    let (_, last) = *entries.last()?;
    let open = text[..first].trim_end();
    if !open.ends_with(['[', '(']) {
        return None;
    }
    let after = text[last..].trim_start();
    let after = after.strip_prefix(',').unwrap_or(after).trim_start();
    if !after.starts_with([']', ')']) {
        return None;
    }
    let line_start = open.rfind('\n').map_or(0, |i| i + 1);
    let indent: String = open[line_start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    let step = if indent.contains('\t') { "\t" } else { "    " };
    let mut items: Vec<&str> = entries.iter().map(|(s, e)| &text[*s..*e]).collect();
    items.insert(position, entry);
    let mut out = format!("{open}\n");
    for item in items {
        out.push_str(&format!("{indent}{step}{item},\n"));
    }
    out.push_str(&indent);
    out.push_str(after);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macro_list_in_order_with_trailing_comma() {
        let text = "macro_rules! migrations {\n    ($($m:ident),*) => {};\n}\n\nmigrations!(\n    m20250101_000000_a,\n    m20250101_000002_c,\n);\n";
        let out = insert_in_macro_list(text, "migrations!(", "m20250101_000001_b").unwrap();
        assert_eq!(
            out,
            "macro_rules! migrations {\n    ($($m:ident),*) => {};\n}\n\nmigrations!(\n    m20250101_000000_a,\n    m20250101_000001_b,\n    m20250101_000002_c,\n);\n"
        );
        let out = insert_in_macro_list(text, "migrations!(", "m20260101_000000_z").unwrap();
        assert!(
            out.contains("    m20250101_000002_c,\n    m20260101_000000_z,\n);"),
            "{out}"
        );
    }

    #[test]
    fn boxed_and_mod_lines() {
        let text = "pub use sea_orm_migration::prelude::*;\n\nmod m20220101_000001_create_table;\n\npub struct Migrator;\n\nimpl MigratorTrait for Migrator {\n    fn migrations() -> Vec<Box<dyn MigrationTrait>> {\n        vec![Box::new(m20220101_000001_create_table::Migration)]\n    }\n}\n";
        let out = register_flat(text, "m20260101_000000_add_widget").unwrap();
        assert!(
            out.contains("mod m20220101_000001_create_table;\nmod m20260101_000000_add_widget;\n"),
            "{out}"
        );
        // Past 100 columns on one line: one entry a line, as rustfmt lays it out.
        assert!(
            out.contains("        vec![\n            Box::new(m20220101_000001_create_table::Migration),\n            Box::new(m20260101_000000_add_widget::Migration),\n        ]\n    }"),
            "{out}"
        );
        // Short enough: stays on its line.
        let short = "vec![Box::new(m20220101_000001_a::Migration)]\n";
        assert_eq!(
            insert_boxed(short, "m20220101_000002_b").unwrap(),
            "vec![Box::new(m20220101_000001_a::Migration), Box::new(m20220101_000002_b::Migration)]\n"
        );
    }

    #[test]
    fn a_lone_entry_on_its_own_line_keeps_that_layout() {
        let text = "migrations!(\n\tm20250101_000000_a,\n);\n";
        assert_eq!(
            register_in_lib(text, "m20250101_000001_b").unwrap(),
            "migrations!(\n\tm20250101_000000_a,\n\tm20250101_000001_b,\n);\n"
        );
        assert_eq!(
            register_in_lib(text, "m20240101_000000_z").unwrap(),
            "migrations!(\n\tm20240101_000000_z,\n\tm20250101_000000_a,\n);\n"
        );
        let text =
            "        vec![\n            Box::new(m20250101_000000_a::Migration),\n        ]\n";
        assert_eq!(
            insert_boxed(text, "m20250101_000001_b").unwrap(),
            "        vec![\n            Box::new(m20250101_000000_a::Migration),\n            Box::new(m20250101_000001_b::Migration),\n        ]\n"
        );
    }
}
