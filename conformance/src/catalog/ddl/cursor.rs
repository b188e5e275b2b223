//! A cursor over the significant tokens of one text (`crate::sqltokens`), for the
//! parser: words matched without case, names read with [`read_name`], nesting and
//! `` `quoted` `` names skipped as one unit, texts sliced as written.

use super::read_name;
use crate::sqltokens::{Spanned, TokenKind, spanned};

/// The tokens of one text and a position among them.
pub(super) struct Cursor<'a> {
    pub(super) text: &'a str,
    tokens: Vec<Spanned<'a>>,
    pub(super) at: usize,
}

impl<'a> Cursor<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        Self {
            text,
            tokens: spanned(text),
            at: 0,
        }
    }

    pub(super) fn peek(&self) -> Option<&Spanned<'a>> {
        self.tokens.get(self.at)
    }

    pub(super) fn peek_word(&self, word: &str) -> bool {
        self.peek().is_some_and(|t| t.is_word(word))
    }

    /// Whether the next tokens are these words.
    pub(super) fn peek_words(&self, words: &[&str]) -> bool {
        words
            .iter()
            .enumerate()
            .all(|(i, w)| self.tokens.get(self.at + i).is_some_and(|t| t.is_word(w)))
    }

    /// Consumes these words if they come next.
    pub(super) fn eat_words(&mut self, words: &[&str]) -> bool {
        let found = self.peek_words(words);
        if found {
            self.at += words.len();
        }
        found
    }

    pub(super) fn eat_word(&mut self, word: &str) -> bool {
        self.eat_words(&[word])
    }

    /// The byte offset of the next token (the text's end when none is left).
    pub(super) fn offset(&self) -> usize {
        self.peek().map_or(self.text.len(), |t| t.start)
    }

    /// The offset just after the last token consumed.
    pub(super) fn consumed_end(&self) -> usize {
        match self.at.checked_sub(1).and_then(|i| self.tokens.get(i)) {
            Some(token) => token.end(),
            None => 0,
        }
    }

    /// Moves past every token that starts before `offset`.
    pub(super) fn skip_to(&mut self, offset: usize) {
        while self.peek().is_some_and(|t| t.start < offset) {
            self.at += 1;
        }
    }

    /// Reads a (qualified, quoted) name at the next token.
    pub(super) fn name(&mut self) -> Option<String> {
        let start = self.offset();
        let (name, rest) = read_name(&self.text[start..]);
        if name.is_empty() {
            return None;
        }
        self.skip_to(self.text.len() - rest.len());
        Some(name)
    }

    /// Reads a name and returns it as written.
    pub(super) fn name_as_written(&mut self) -> Option<&'a str> {
        let start = self.offset();
        self.name()?;
        Some(&self.text[start..self.consumed_end()])
    }

    /// Skips one unit: a parenthesised or bracketed group, a `` `quoted` `` name, or
    /// one token.
    pub(super) fn skip_unit(&mut self) {
        let Some(first) = self.peek().copied() else {
            return;
        };
        self.at += 1;
        if first.kind == TokenKind::Backtick {
            while let Some(token) = self.peek().copied() {
                self.at += 1;
                if token.kind == TokenKind::Backtick {
                    break;
                }
            }
        } else if first.opens() {
            let mut depth = 1usize;
            while depth > 0 {
                let Some(token) = self.peek().copied() else {
                    break;
                };
                if token.kind == TokenKind::Backtick {
                    self.skip_unit();
                    continue;
                }
                self.at += 1;
                if token.opens() {
                    depth += 1;
                } else if token.closes() {
                    depth -= 1;
                }
            }
        }
    }

    /// At a `(`: the text inside it, up to the matching `)`, and moves past it.
    pub(super) fn group(&mut self) -> Option<&'a str> {
        let open = self
            .peek()
            .filter(|t| t.kind == TokenKind::OpenParen)?
            .end();
        self.skip_unit();
        let close = self
            .at
            .checked_sub(1)
            .and_then(|i| self.tokens.get(i))
            .filter(|t| t.kind == TokenKind::CloseParen)?;
        self.text.get(open..close.start.max(open))
    }

    /// Skips units up to the next token that is a word of `stop` (or the end).
    pub(super) fn skip_until(&mut self, stop: &[&str]) {
        while self
            .peek()
            .is_some_and(|t| !stop.iter().any(|w| t.is_word(w)))
        {
            self.skip_unit();
        }
    }
}

/// Splits on commas outside parentheses, brackets and quotes; each item trimmed, empty
/// ones left out.
pub(crate) fn split_items(text: &str) -> Vec<&str> {
    let mut cursor = Cursor::new(text);
    let mut items = Vec::new();
    let mut start = 0;
    while let Some(token) = cursor.peek().copied() {
        if token.kind == TokenKind::Comma {
            items.push(text[start..token.start].trim());
            start = token.end();
            cursor.at += 1;
        } else {
            cursor.skip_unit();
        }
    }
    items.push(text[start..].trim());
    items.retain(|item| !item.is_empty());
    items
}
