//! Gives the enum-like columns their enum types in sea-orm-codegen's (rustfmt'd)
//! output: `pub status: String` becomes `pub status: DownloadStatus`, and `mod.rs`
//! declares the enums module.
//!
//! This edits text, so every edit checks that what it replaces is exactly what it
//! expects and fails otherwise: a change in codegen's output must stop generation,
//! not drop an enum.

use anyhow::{Context, bail};

use crate::enums::{EnumColumn, MODULE};

/// The import every entity module starts with; the enum import goes after it.
const PRELUDE_IMPORT: &str = "use sea_orm::entity::prelude::*;";

/// The first module `mod.rs` declares; the enums module is declared before it.
const PRELUDE_MODULE: &str = "pub mod prelude;";

/// Retypes `columns` (all of the entity's table) in an entity module and imports
/// their enums. The result needs rustfmt again.
pub fn retype_fields(source: &str, columns: &[&EnumColumn]) -> anyhow::Result<String> {
    if columns.is_empty() {
        return Ok(source.to_owned());
    }
    let mut lines: Vec<String> = source.lines().map(str::to_owned).collect();
    for column in columns {
        retype_field(&mut lines, column)?;
    }
    let import_at = lines
        .iter()
        .position(|line| line == PRELUDE_IMPORT)
        .with_context(|| format!("the entity module has no `{PRELUDE_IMPORT}` line"))?;
    let mut names: Vec<&str> = columns.iter().map(|c| c.enum_name).collect();
    names.sort_unstable();
    let import = match names.as_slice() {
        [one] => format!("use super::{MODULE}::{one};"),
        many => format!("use super::{MODULE}::{{{}}};", many.join(", ")),
    };
    lines.insert(import_at + 1, import);
    Ok(lines.join("\n") + "\n")
}

fn retype_field(lines: &mut [String], column: &EnumColumn) -> anyhow::Result<()> {
    let field = format!("pub {}: ", column.column);
    let found: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, line)| line.trim_start().starts_with(&field))
        .map(|(at, _)| at)
        .collect();
    let [at] = found[..] else {
        bail!(
            "expected one field `{field}..` in the {} entity, found {}",
            column.table,
            found.len()
        );
    };
    let line = &lines[at];
    let indent = &line[..line.len() - line.trim_start().len()];
    let ty = line.trim_start()[field.len()..]
        .strip_suffix(',')
        .with_context(|| format!("the field line `{line}` does not end with a comma"))?;
    let enum_ty = match ty {
        "String" => column.enum_name.to_owned(),
        "Option<String>" => format!("Option<{}>", column.enum_name),
        other => bail!(
            "{}.{} is generated as `{other}`, not `String`; an enum needs a string column",
            column.table,
            column.column
        ),
    };
    lines[at] = format!("{indent}{field}{enum_ty},");
    Ok(())
}

/// Declares the enums module in `mod.rs`. The result needs rustfmt again.
pub fn declare_enums_module(mod_rs: &str) -> anyhow::Result<String> {
    if !mod_rs.lines().any(|line| line == PRELUDE_MODULE) {
        bail!("mod.rs has no `{PRELUDE_MODULE}` line to declare the enums module next to");
    }
    Ok(mod_rs.replacen(
        PRELUDE_MODULE,
        &format!("pub mod {MODULE};\n{PRELUDE_MODULE}"),
        1,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: EnumColumn = EnumColumn {
        table: "jobs",
        column: "status",
        enum_name: "JobStatus",
        values: &["pending"],
    };
    const KIND: EnumColumn = EnumColumn {
        table: "jobs",
        column: "kind",
        enum_name: "JobKind",
        values: &["a"],
    };

    const ENTITY: &str = "\
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

pub struct Model {
    pub id: String,
    pub status: String,
    pub kind: Option<String>,
    pub status_note: String,
}
";

    #[test]
    fn string_fields_become_enums_and_nullable_ones_options() {
        let out = retype_fields(ENTITY, &[&STATUS, &KIND]).unwrap();
        assert!(out.contains("    pub status: JobStatus,\n"));
        assert!(out.contains("    pub kind: Option<JobKind>,\n"));
        assert!(out.contains("    pub status_note: String,\n"));
        assert!(out.contains(
            "use sea_orm::entity::prelude::*;\nuse super::enums::{JobKind, JobStatus};\n"
        ));
    }

    #[test]
    fn a_missing_field_is_an_error() {
        let renamed = EnumColumn {
            column: "state",
            ..STATUS
        };
        let message = retype_fields(ENTITY, &[&renamed]).unwrap_err().to_string();
        assert!(message.contains("`pub state: ..` in the jobs entity, found 0"));
    }

    #[test]
    fn a_field_that_is_not_a_string_is_an_error() {
        let source = ENTITY.replace("pub status: String", "pub status: i32");
        let message = retype_fields(&source, &[&STATUS]).unwrap_err().to_string();
        assert!(message.contains("jobs.status is generated as `i32`"));
    }

    #[test]
    fn mod_rs_declares_the_enums_module() {
        let out = declare_enums_module("pub mod prelude;\n\npub mod jobs;\n").unwrap();
        assert_eq!(out, "pub mod enums;\npub mod prelude;\n\npub mod jobs;\n");
        assert!(declare_enums_module("pub mod jobs;\n").is_err());
    }
}
