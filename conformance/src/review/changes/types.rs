//! How a column's type change reads: narrowing (existing values may not fit),
//! widening, or another type altogether.

/// How a column's type changed, as far as its text tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeChange {
    /// Some existing values may not fit (shorter strings, smaller integers, less precision).
    Narrowing,
    /// Every existing value fits.
    Widening,
    /// Another type altogether.
    Other,
}

/// `varchar(20)` → (`varchar`, [20]); synonyms spelled one way.
fn type_parts(sql_type: &str) -> (String, Vec<u32>) {
    let text = sql_type.trim().to_ascii_lowercase();
    let (base, args) = match text.find('(') {
        Some(open) => (
            text[..open].trim().to_owned(),
            text[open + 1..]
                .trim_end_matches(|c| c != ')')
                .trim_end_matches(')')
                .split(',')
                .filter_map(|n| n.trim().parse().ok())
                .collect(),
        ),
        None => (text.clone(), Vec::new()),
    };
    let base = match base.as_str() {
        "character varying" | "varchar" | "nvarchar" => "varchar",
        "character" | "char" | "bpchar" | "nchar" => "char",
        "int" | "int4" | "integer" | "mediumint" => "integer",
        "int2" | "smallint" | "tinyint" => "smallint",
        "int8" | "bigint" => "bigint",
        "float8" | "double precision" | "double" => "float8",
        "float4" | "real" | "float" => "float4",
        "decimal" | "numeric" => "numeric",
        "text" | "clob" | "citext" => "text",
        other => other,
    };
    (base.to_owned(), args)
}

/// Classifies a column type change from one type to another.
pub fn type_change(before: &str, after: &str) -> TypeChange {
    let (old, old_args) = type_parts(before);
    let (new, new_args) = type_parts(after);
    let integer_rank = |t: &str| match t {
        "smallint" => Some(1),
        "integer" => Some(2),
        "bigint" => Some(3),
        _ => None,
    };
    let string_rank = |t: &str, args: &[u32]| match (t, args.first()) {
        ("text", _) | ("varchar" | "char", None) => Some(u32::MAX),
        ("varchar" | "char", Some(n)) => Some(*n),
        _ => None,
    };
    let compare = |old: u32, new: u32| match new.cmp(&old) {
        std::cmp::Ordering::Less => TypeChange::Narrowing,
        _ => TypeChange::Widening,
    };
    if let (Some(o), Some(n)) = (integer_rank(&old), integer_rank(&new)) {
        return compare(o, n);
    }
    if let (Some(o), Some(n)) = (string_rank(&old, &old_args), string_rank(&new, &new_args)) {
        return compare(o, n);
    }
    match (old.as_str(), new.as_str()) {
        ("float8", "float4") => TypeChange::Narrowing,
        ("float4", "float8") => TypeChange::Widening,
        ("numeric", "numeric") => {
            let precision = |args: &[u32]| args.first().copied().unwrap_or(u32::MAX);
            let scale = |args: &[u32]| args.get(1).copied().unwrap_or(0);
            if precision(&new_args) < precision(&old_args) || scale(&new_args) < scale(&old_args) {
                TypeChange::Narrowing
            } else {
                TypeChange::Widening
            }
        }
        _ if old == new && old_args == new_args => TypeChange::Widening,
        _ => TypeChange::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrowing_is_told_from_widening() {
        use TypeChange::*;
        for (before, after, expected) in [
            ("character varying(100)", "character varying(20)", Narrowing),
            ("varchar", "varchar(20)", Narrowing),
            ("text", "character varying(10)", Narrowing),
            ("varchar(20)", "text", Widening),
            ("bigint", "integer", Narrowing),
            ("integer", "bigint", Widening),
            ("numeric(10,2)", "numeric(10,1)", Narrowing),
            ("double precision", "real", Narrowing),
            ("varchar", "integer", Other),
        ] {
            assert_eq!(type_change(before, after), expected, "{before} → {after}");
        }
    }
}
