//! The README shows the adopter fixture's files (`fixtures/adopter`, built and tested by
//! CI): every fenced block whose first line names a fixture file (`// fixtures/...` or
//! `# fixtures/...`) must be that file's text, so the README cannot drift from code that
//! is known to build and pass.

use crate::common::workspace;

/// `(file, block)` for every fenced block of `markdown` that starts by naming a file.
fn file_blocks(markdown: &str) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let mut lines = markdown.lines();
    while let Some(line) = lines.next() {
        if !line.starts_with("```") || line.trim() == "```" {
            continue;
        }
        let body: Vec<&str> = lines.by_ref().take_while(|l| l.trim() != "```").collect();
        let Some((first, rest)) = body.split_first() else {
            continue;
        };
        let named = first
            .strip_prefix("// ")
            .or_else(|| first.strip_prefix("# "))
            .filter(|f| f.starts_with("fixtures/"));
        if let Some(file) = named {
            blocks.push((file.trim().to_owned(), rest.join("\n")));
        }
    }
    blocks
}

#[test]
fn the_readme_shows_the_adopter_fixture_as_it_is() {
    let readme = std::fs::read_to_string(workspace().join("README.md")).expect("README.md");
    let blocks = file_blocks(&readme);
    assert!(
        blocks.len() >= 4,
        "the README shows the fixture's files: {blocks:#?}"
    );
    for (file, block) in blocks {
        let text = std::fs::read_to_string(workspace().join(&file))
            .unwrap_or_else(|e| panic!("README names {file}: {e}"));
        pretty_assertions::assert_eq!(
            text.trim_end(),
            block.trim_end(),
            "README's block for {file} differs from the file"
        );
    }
}
