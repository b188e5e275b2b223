//! The registry: once a target is registered, its password is masked in any message that
//! quotes the target, whatever the shape and whatever the password holds.
//!
//! A process of its own (this test binary run again, by [`in_a_process_of_its_own`]):
//! what it registers, the text around a password included, masks text in every later
//! test of the process, and `registry`'s tests expect some text left as it is.

use crate::common::{encoded_urls, key_values, leak, messages, password, raw_urls};
use proptest::prelude::*;
use secret_redact::{redact, register_secrets_of};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    #[ignore = "run in a process of its own by in_a_process_of_its_own"]
    fn masks_every_registered_target(password in password()) {
        let targets = [encoded_urls(&password), raw_urls(&password), key_values(&password)];
        for target in targets.concat() {
            register_secrets_of(&target);
            for message in messages(&target) {
                let shown = redact(&message);
                let leaked = leak(&shown, &password);
                prop_assert!(leaked.is_none(), "{leaked:?} of {password:?} in {shown:?} (from {message:?})");
            }
        }
    }
}

#[test]
fn in_a_process_of_its_own() {
    crate::common::run_ignored_in_child(module_path!());
}
