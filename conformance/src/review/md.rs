//! Text the migrations provide (SQL, names, messages quoting them) placed in Markdown as
//! data: it can neither close the report's own blocks nor turn into its markup. Code
//! blocks are fenced with a backtick run longer than any inside them (CommonMark allows
//! any run of three or more), code spans likewise; text outside code has `<`, `>` and
//! `&` written as entities (so `</details>` cannot close the report's HTML), Markdown's
//! punctuation escaped, line breaks flattened, and mentions (`@name`) and issue
//! references (`#12`) broken by a zero-width space so that GitHub notifies nobody.

/// What breaks a mention or a reference without showing.
const ZERO_WIDTH_SPACE: char = '\u{200B}';

/// The longest run of backticks in `text`.
fn longest_backtick_run(text: &str) -> usize {
    let (mut longest, mut run) = (0, 0);
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

/// Every line ending CommonMark knows (`\r\n`, `\r`, `\n`) as `\n`.
fn unix_lines(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// A fenced code block holding `body` exactly, every line (fences included) prefixed by
/// `indent` (for a block inside a list item). The fence is longer than any backtick run
/// in the body, so no line of the body closes it; lone `\r`s become line breaks, so that
/// every line carries the indent and stays inside the list item.
pub(super) fn fence(info: &str, body: &str, indent: &str) -> String {
    let body = unix_lines(body);
    let ticks = "`".repeat((longest_backtick_run(&body) + 1).max(3));
    let mut out = format!("{indent}{ticks}{info}\n");
    for line in body.lines() {
        out.push_str(indent);
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(indent);
    out.push_str(&ticks);
    out.push('\n');
    out
}

/// An inline code span showing `text` on one line: delimited by a backtick run longer
/// than any inside, padded with a space where the text touches a backtick.
pub(super) fn code(text: &str) -> String {
    let text = unix_lines(text).replace('\n', " ");
    if text.is_empty() {
        return "` `".to_owned();
    }
    let ticks = "`".repeat(longest_backtick_run(&text) + 1);
    if text.starts_with('`') || text.ends_with('`') || text.starts_with(' ') && text.ends_with(' ')
    {
        format!("{ticks} {text} {ticks}")
    } else {
        format!("{ticks}{text}{ticks}")
    }
}

/// Plain text, shown as written: one line, no markup, no HTML, no mention. An `_`
/// between two letters or digits (`m3_add_price`) is left as it is: CommonMark never
/// reads one there as emphasis.
pub(super) fn text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut previous_is_word = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let next_is_word = chars.peek().is_some_and(|n| n.is_alphanumeric());
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\r' | '\n' => out.push(' '),
            '_' if previous_is_word && next_is_word => out.push(c),
            '\\' | '`' | '*' | '_' | '[' | ']' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '@' | '#' => {
                out.push(c);
                if next_is_word {
                    out.push(ZERO_WIDTH_SPACE);
                }
            }
            _ => out.push(c),
        }
        previous_is_word = c.is_alphanumeric();
    }
    out
}

/// A message the toolkit wrote around text from the migrations, quoting names in
/// backticks: the quoted parts become code spans, the rest [`text`]. With an odd number
/// of backticks (a quoted name holding one) the whole message is text.
pub(super) fn message(message: &str) -> String {
    let parts: Vec<&str> = message.split('`').collect();
    if parts.len().is_multiple_of(2) {
        return text(message);
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| if i % 2 == 1 { code(part) } else { text(part) })
        .collect()
}

/// Text inside the report's own HTML (`<summary>`): entities for `<`, `>`, `&` and `"`,
/// one line (a blank line would end the HTML block), no mention.
pub(super) fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = unix_lines(text)
        .chars()
        .collect::<Vec<_>>()
        .into_iter()
        .peekable();
    while let Some(c) = chars.next() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push(' '),
            '@' | '#' => {
                out.push(c);
                if chars.peek().is_some_and(|n| n.is_alphanumeric()) {
                    out.push(ZERO_WIDTH_SPACE);
                }
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_and_spans_outrun_every_backtick_run_inside() {
        assert_eq!(
            fence("sql", "a\n````\nb", ""),
            "`````sql\na\n````\nb\n`````\n"
        );
        assert_eq!(fence("text", "x\ry", "  "), "  ```text\n  x\n  y\n  ```\n");
        assert_eq!(code("a"), "`a`");
        assert_eq!(code("a``b"), "```a``b```");
        assert_eq!(code("`a"), "`` `a ``");
        assert_eq!(code("a\n\nb"), "`a  b`");
    }

    #[test]
    fn text_has_no_markup_html_or_mention() {
        assert_eq!(
            text("**@someone** </details> #12\n_x_ m3_a"),
            "\\*\\*@\u{200B}someone\\*\\* &lt;/details&gt; #\u{200B}12 \\_x\\_ m3_a"
        );
        assert_eq!(message("table `a<b>` on @x"), "table `a<b>` on @\u{200B}x");
        assert_eq!(message("odd ` tick"), "odd \\` tick");
        assert_eq!(html("<b>\"&\n@me"), "&lt;b&gt;&quot;&amp; @\u{200B}me");
    }
}
