//! Renders Mermaid diagrams with mermaid's own renderer (`mmdc`, from
//! `@mermaid-js/mermaid-cli`), so that a diagram GitHub would refuse fails a test
//! instead of landing. `.ci/mermaid.sh` installs `mmdc` and the chromium it drives.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Why diagrams could not be rendered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    #[error("mermaid's renderer `mmdc` is not installed ({0}); install it with .ci/mermaid.sh")]
    /// The renderer is not installed; holds its name.
    NotInstalled(String),
    #[error("mermaid refused a diagram:\n{0}")]
    /// The renderer refused the input; holds why.
    Refused(String),
    #[error(
        "mmdc could not render (is chromium installed? set CONFORMANCE_CHROMIUM to its path): {0}"
    )]
    /// The renderer failed; holds its message.
    RendererFailed(String),
    #[error("cannot prepare the render: {0}")]
    /// An I/O error.
    Io(#[from] std::io::Error),
}

/// The body of every ```` ```mermaid ```` block of a Markdown text.
pub fn mermaid_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match current.as_mut() {
            None if line.trim() == "```mermaid" => current = Some(String::new()),
            None => {}
            Some(_) if line.trim() == "```" => blocks.extend(current.take()),
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
        }
    }
    blocks
}

/// Whether a missing `mmdc` fails the caller: always under CI (`CI` set), else unless
/// `CONFORMANCE_REQUIRE_MERMAID=0`.
pub fn mermaid_required() -> bool {
    crate::settings::environment().require_mermaid
}

/// Whether `mmdc` runs here; the reason when it does not.
pub fn mmdc_available() -> Result<(), RenderError> {
    match Command::new("mmdc").arg("--version").output() {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => Err(RenderError::NotInstalled(format!(
            "`mmdc --version` failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))),
        Err(e) => Err(RenderError::NotInstalled(format!("cannot run mmdc: {e}"))),
    }
}

/// Renders each `(label, diagram)` with `mmdc` in one run (one browser start); on a
/// refusal, names the diagram and quotes mermaid's parse error.
pub fn render_all(diagrams: &[(String, String)], work_dir: &Path) -> Result<(), RenderError> {
    mmdc_available()?;
    std::fs::create_dir_all(work_dir)?;
    let config = work_dir.join("puppeteer.json");
    std::fs::write(&config, puppeteer_config())?;
    let mut page = String::new();
    for (label, diagram) in diagrams {
        let _ = writeln!(
            page,
            "## {label}\n\n```mermaid\n{}\n```\n",
            diagram.trim_end()
        );
    }
    let input = work_dir.join("diagrams.md");
    std::fs::write(&input, &page)?;
    let output = Command::new("mmdc")
        .arg("-p")
        .arg(&config)
        .arg("-i")
        .arg(&input)
        .arg("-o")
        .arg(work_dir.join("rendered.md"))
        .args(["-e", "svg"])
        .output()?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Which diagram: the count of those rendered before the failure.
    let rendered = String::from_utf8_lossy(&output.stdout)
        .matches("✅")
        .count();
    let label = diagrams
        .get(rendered)
        .map_or("a diagram", |(label, _)| label.as_str());
    let reason: String = stderr
        .lines()
        .take_while(|l| !l.trim_start().starts_with("at "))
        .collect::<Vec<_>>()
        .join("\n");
    // Mermaid's parser names its errors; anything else is the renderer's own trouble.
    if ["Parse error", "Lexical error", "Syntax error"]
        .iter()
        .any(|e| reason.contains(e))
    {
        Err(RenderError::Refused(format!("{label}: {reason}")))
    } else {
        Err(RenderError::RendererFailed(reason))
    }
}

/// Puppeteer's settings: the system's chromium where there is one (puppeteer's own
/// download is skipped when installing), without the sandbox root cannot use.
fn puppeteer_config() -> String {
    let chromium = crate::settings::environment().chromium.clone().or_else(|| {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.is_file())
    });
    match chromium {
        Some(path) => format!(
            "{{\"executablePath\": \"{}\", \"args\": [\"--no-sandbox\"]}}",
            path.display()
                .to_string()
                .replace('\\', "\\\\")
                .replace('"', "\\\"")
        ),
        None => "{\"args\": [\"--no-sandbox\"]}".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::mermaid_blocks;

    #[test]
    fn finds_every_mermaid_block() {
        let text =
            "# t\n```mermaid\nerDiagram\n    a\n```\n```sql\nx\n```\n```mermaid\nerDiagram\n```\n";
        assert_eq!(mermaid_blocks(text), ["erDiagram\n    a\n", "erDiagram\n"]);
    }
}
