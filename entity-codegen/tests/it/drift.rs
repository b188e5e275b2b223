//! The committed `entity/src/generated` must be exactly what the generator makes from
//! the current migrations. On failure: run `make entities` and commit the result.

use entity_codegen::{GeneratedFiles, default_out_dir};

#[tokio::test]
async fn committed_entities_match_the_migrated_schema() {
    let generated = entity_codegen::generate()
        .await
        .unwrap_or_else(|e| panic!("generation failed: {e:#}"));
    let tmp = tempfile::tempdir().unwrap();
    generated.write_to(tmp.path()).unwrap();
    let regenerated = GeneratedFiles::read_from(tmp.path()).unwrap();
    assert_eq!(regenerated, generated, "write_to/read_from lost something");

    // 16 tables + mod.rs + prelude.rs + enums.rs + FIDELITY.md.
    assert_eq!(
        regenerated.len(),
        20,
        "{:?}",
        regenerated.names().collect::<Vec<_>>()
    );

    let committed = default_out_dir();
    let drift = regenerated.drift_from(&committed).unwrap();
    assert!(
        drift.is_empty(),
        "{} is out of date with the migrations; run `make entities` \
         (cargo run -p entity-codegen) and commit the result.\n\n{drift}",
        committed.display()
    );
}

#[tokio::test]
async fn generation_is_deterministic() {
    let first = entity_codegen::generate().await.unwrap();
    let second = entity_codegen::generate().await.unwrap();
    let tmp = tempfile::tempdir().unwrap();
    first.write_to(tmp.path()).unwrap();
    let drift = second.drift_from(tmp.path()).unwrap();
    assert!(drift.is_empty(), "two runs differ:\n{drift}");
}

#[tokio::test]
async fn every_generated_file_says_how_to_regenerate() {
    let generated = entity_codegen::generate().await.unwrap();
    for name in generated.names() {
        let content = generated.get(name).unwrap();
        assert!(
            content
                .lines()
                .take(3)
                .any(|l| l.contains("@generated") && l.contains("make entities"))
                || content.lines().take(3).any(|l| l.contains("make entities")),
            "{name} lacks the generated header"
        );
        // citext columns are never left out of `Column` (codegen's `#[sea_orm(ignore, ..)]`).
        if name.ends_with(".rs") {
            assert!(!content.contains("ignore"), "{name} has an ignored column");
        }
    }
}
