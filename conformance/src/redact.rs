//! Connection strings without their secrets, for every message the harness prints.

/// Query or key=value parameters whose value is a secret.
const SECRET_KEYS: [&str; 6] = ["password", "pass", "pwd", "sslpassword", "token", "secret"];

/// `text` (a URL, well-formed or not, or a `key=value` connection string) with every
/// password replaced by `***`: the user-info password, and `password=` style parameters.
pub(crate) fn url(text: &str) -> String {
    let masked = match url::Url::parse(text) {
        Ok(mut parsed) if parsed.password().is_some() => {
            // Only fails for URLs that cannot hold a password, and this one holds one.
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(parsed) => parsed.to_string(),
        Err(_) => mask_userinfo(text),
    };
    mask_parameters(&masked)
}

/// `scheme://user:SECRET@host...` → `scheme://user:***@host...`, without parsing.
fn mask_userinfo(text: &str) -> String {
    let Some(scheme_end) = text.find("://") else {
        return text.to_owned();
    };
    let authority_start = scheme_end + 3;
    let rest = &text[authority_start..];
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_len];
    let Some(at) = authority.rfind('@') else {
        return text.to_owned();
    };
    let userinfo = &authority[..at];
    let Some(colon) = userinfo.find(':') else {
        return text.to_owned();
    };
    format!(
        "{}{}:***{}",
        &text[..authority_start],
        &userinfo[..colon],
        &text[authority_start + at..]
    )
}

/// `password=SECRET` (in a query string or a key=value string) → `password=***`.
fn mask_parameters(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(eq) = rest.find('=') {
        let key_start = rest[..eq]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(0, |i| i + 1);
        let key = &rest[key_start..eq];
        let value_len = rest[eq + 1..]
            .find(|c: char| c == '&' || c == ';' || c == '#' || c.is_whitespace())
            .unwrap_or(rest.len() - eq - 1);
        out.push_str(&rest[..=eq]);
        if SECRET_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key)) && value_len > 0 {
            out.push_str("***");
        } else {
            out.push_str(&rest[eq + 1..eq + 1 + value_len]);
        }
        rest = &rest[eq + 1 + value_len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::url;

    #[test]
    fn no_shape_of_connection_string_keeps_its_secret() {
        for shape in [
            "postgres://app:S3cret@127.0.0.1:5432/app",
            "postgres://app:S3cret@127.0.0.1:99999/app",
            "postgres://app:S3cret@[::1/app",
            "postgres://app@host/app?password=S3cret",
            "postgres://app@host/app?sslmode=disable&PASSWORD=S3cret&x=1",
            "postgres://app:S%33cret@host/app",
            "postgres:///app?host=/var/run/postgresql&password=S3cret",
            "host=/tmp user=app password=S3cret dbname=app",
            "postgres://app:S3cret@",
        ] {
            let shown = url(shape);
            assert!(!shown.contains("S3cret"), "{shape} -> {shown}");
            assert!(!shown.contains("S%33cret"), "{shape} -> {shown}");
            assert!(shown.contains("***"), "{shape} -> {shown}");
        }
        assert_eq!(
            url("postgres://app@localhost/app"),
            "postgres://app@localhost/app"
        );
    }
}
