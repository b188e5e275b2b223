//! The text rules alone (nothing is ever registered in this test process: the tests that
//! register run in processes of their own): every well-formed shape is masked, whatever
//! the password holds.

use crate::common::{encoded_urls, key_values, leak, messages, password, raw_urls_without_space};
use proptest::prelude::*;
use secret_redact::redact;

fn check(targets: Vec<String>, password: &str) -> Result<(), TestCaseError> {
    for target in targets {
        for message in messages(&target) {
            let shown = redact(&message);
            let leaked = leak(&shown, password);
            prop_assert!(
                leaked.is_none(),
                "{leaked:?} of {password:?} in {shown:?} (from {message:?})"
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn masks_encoded_urls(password in password()) {
        check(encoded_urls(&password), &password)?;
    }

    #[test]
    fn masks_raw_urls_without_space(password in password()) {
        check(raw_urls_without_space(&password), &password)?;
    }

    #[test]
    fn masks_key_values(password in password()) {
        check(key_values(&password), &password)?;
    }
}

proptest! {
    #[test]
    fn never_panics(text in "\\PC{0,64}", mixed in "[a-z:/@=&;'\"\\\\ ?#%+é\u{a0}\n]{0,64}") {
        let _ = redact(&text);
        let _ = redact(&mixed);
        let _ = secret_redact::secrets_of(&mixed);
    }
}

/// Long lines of what the rules look for stay linear (a quadratic rule would hang here).
#[test]
fn stays_fast_on_long_lines() {
    for unit in [
        "password=a",
        "a=",
        "x://a:",
        "a:b:",
        "a:b@",
        "x://a:b@",
        "x://a:b ",
        "password='",
        "&password=a&b",
        "p:",
        "= ",
        "://@",
    ] {
        let line = unit.repeat(200_000 / unit.len());
        let shown = redact(&line);
        assert!(shown.len() <= 4 * line.len(), "{unit}");
    }
}
