//! Problems found in a config file, collected and reported together, each with
//! the line and column it concerns.

use std::fmt::Display;

use super::jsonc;

/// One problem: where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line and column in the file, or `None` when the problem is not
    /// about a place in it (a class the code declares, say).
    pub position: Option<(usize, usize)>,
    /// What is wrong and what to do about it.
    pub message: String,
}

/// Every problem found so far, in the order found.
#[derive(Debug, Default)]
pub struct Problems {
    list: Vec<Problem>,
}

impl Problems {
    /// Records a problem at byte `offset` of `text`.
    pub fn at(&mut self, text: &str, offset: usize, message: impl Display) {
        let position = Some(jsonc::line_col(text, offset));
        self.list.push(Problem { position, message: message.to_string() });
    }

    /// Records a problem at a 1-based line and column.
    pub fn general_at(&mut self, line: usize, column: usize, message: impl Display) {
        self.list.push(Problem { position: Some((line, column)), message: message.to_string() });
    }

    /// Records a problem that has no place in the file.
    pub fn general(&mut self, message: impl Display) {
        self.list.push(Problem { position: None, message: message.to_string() });
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The problems as `line L, column C: message` lines (for tests).
    #[cfg(test)]
    pub fn messages(&self) -> Vec<String> {
        self.list.iter().map(|p| p.render(None)).collect()
    }

    /// The problems, one per line, prefixed with `path:` the way compilers do.
    pub fn report(&self, path: &str) -> String {
        self.list.iter().map(|p| p.render(Some(path))).collect::<Vec<_>>().join("\n")
    }

    /// The problems found, in order.
    pub fn into_vec(self) -> Vec<Problem> {
        self.list
    }
}

impl Problem {
    fn render(&self, path: Option<&str>) -> String {
        match (path, self.position) {
            (Some(path), Some((line, column))) => format!("{path}:{line}:{column}: {}", self.message),
            (None, Some((line, column))) => format!("line {line}, column {column}: {}", self.message),
            (Some(path), None) => format!("{path}: {}", self.message),
            (None, None) => self.message.clone(),
        }
    }
}
