//! The registry. Every test registers secrets of its own (made of a tag no other test
//! uses), since what one registers is masked in all the others. They run in a process of
//! their own (this test binary run again, by [`in_a_process_of_their_own`]): what they
//! register would be masked in the text rules' tests too, and `prop_registered`'s
//! registrations in theirs.

use secret_redact::{MASK, redact, register_secret, register_secrets_of};

#[test]
#[ignore = "run in a process of its own by in_a_process_of_their_own"]
fn masks_a_registered_secret_in_every_form() {
    register_secret("k7 q/r@Zp1");
    for text in [
        "k7 q/r@Zp1",
        "k7%20q%2Fr%40Zp1",
        "k7+q%2Fr%40Zp1",
        "k7%20q%2Fr%40Zp1",
        r"k7\ q/r@Zp1",
    ] {
        assert_eq!(
            redact(&format!("said {text}.")),
            format!("said {MASK}."),
            "{text}"
        );
    }
}

#[test]
#[ignore = "run in a process of its own by in_a_process_of_their_own"]
fn masks_a_registered_secret_anywhere() {
    register_secret("Wq9vXk");
    assert_eq!(
        redact("xWq9vXky and Wq9vXk"),
        format!("x{MASK}y and {MASK}")
    );
}

#[test]
#[ignore = "run in a process of its own by in_a_process_of_their_own"]
fn masks_overlapping_secrets_whole() {
    register_secret("Ja4mTb");
    register_secret("4mTbYu81");
    assert_eq!(redact("<Ja4mTbYu81>"), format!("<{MASK}>"));
}

#[test]
#[ignore = "run in a process of its own by in_a_process_of_their_own"]
fn ignores_an_empty_secret() {
    register_secret("");
    register_secrets_of("");
    assert_eq!(redact("plain text"), "plain text");
}

#[test]
#[ignore = "run in a process of its own by in_a_process_of_their_own"]
fn masks_what_the_rules_cannot_see() {
    register_secrets_of("postgres:app:Hv2 Rq@db/app");
    assert_eq!(
        redact("postgres:app:Hv2 Rq@db/app"),
        format!("postgres:app:{MASK}@db/app")
    );
    register_secrets_of("postgres://db/app?password=Cz3 Lm&x");
    assert_eq!(redact("sent 'Cz3 Lm&x'"), format!("sent '{MASK}'"));
    register_secrets_of(r"host=db password = 'Nb\'5 Gt'");
    assert_eq!(
        redact("auth failed: Nb'5 Gt"),
        format!("auth failed: {MASK}")
    );
}

#[test]
#[ignore = "run in a process of its own by in_a_process_of_their_own"]
fn masks_the_url_crate_serialization_of_a_registered_target() {
    let target = "postgres://app:Fy6 d\"e@db/app";
    register_secrets_of(target);
    let url = url::Url::parse(target).expect("a valid URL");
    assert_eq!(
        redact(url.as_str()),
        format!("postgres://app:{MASK}@db/app")
    );
    let debug = redact(&format!("{url:?}"));
    assert!(!debug.contains("Fy6"), "{debug}");
}

#[test]
#[ignore = "run in a process of its own by in_a_process_of_their_own"]
fn registers_nothing_for_a_target_without_password() {
    let targets = [
        "sqlite://data/app.sqlite?mode=rwc",
        "postgres://app@localhost:5432/app",
        "postgres:///app?host=/tmp&sslmode=disable",
        "host=/tmp user=app dbname=app",
    ];
    for target in targets {
        register_secrets_of(target);
    }
    for target in targets {
        assert_eq!(redact(target), target);
    }
}

#[test]
#[ignore = "run in a process of its own by in_a_process_of_their_own"]
fn registers_from_many_threads() {
    let threads: Vec<_> = (0..8)
        .map(|i| {
            std::thread::spawn(move || {
                let secret = format!("Tg{i}Xw{i}Pe");
                register_secret(&secret);
                assert_eq!(redact(&format!("[{secret}]")), format!("[{MASK}]"));
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("no thread panics");
    }
}

/// A password equal to a URL scheme is masked everywhere but as the scheme itself.
#[test]
#[ignore = "run in a process of its own by in_a_process_of_their_own"]
fn a_password_equal_to_a_scheme_leaves_urls_readable() {
    register_secrets_of("postgres://admin:postgresql@db/app");
    assert_eq!(
        redact("cannot connect to postgresql://admin@db/app with postgresql"),
        "cannot connect to postgresql://admin@db/app with ***"
    );
}

#[test]
fn in_a_process_of_their_own() {
    crate::common::run_ignored_in_child(module_path!());
}
