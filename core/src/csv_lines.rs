//! What the file readers share: the line where a record really starts, the line of a quoted
//! field left open at the end of a CSV text, and the capped list of problems that a rejected
//! file reports.
//!
//! Lines end at each line feed (`\n` or `\r\n`), the first line being line 1; a text of lone
//! carriage returns counts as one line.

use std::fmt;

use csv::Position;

use crate::catalog::{LineError, MAX_LISTED_ERRORS};

/// The problems found in a file, in file order: the first [`MAX_LISTED_ERRORS`] kept, the
/// rest only counted.
#[derive(Debug, Default)]
pub(crate) struct Problems {
    errors: Vec<LineError>,
    omitted: usize,
}

impl Problems {
    pub(crate) fn new() -> Problems {
        Problems::default()
    }

    pub(crate) fn single(line: u64, message: String) -> Problems {
        let mut problems = Problems::new();
        problems.push(line, message);
        problems
    }

    pub(crate) fn push(&mut self, line: u64, message: String) {
        if self.errors.len() < MAX_LISTED_ERRORS {
            self.errors.push(LineError { line, message });
        } else {
            self.omitted += 1;
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// Every problem found so far, listed or not.
    pub(crate) fn count(&self) -> usize {
        self.errors.len() + self.omitted
    }

    /// The listed problems and the number left off.
    pub(crate) fn into_parts(self) -> (Vec<LineError>, usize) {
        (self.errors, self.omitted)
    }
}

/// Writes the problems one per line, then `... and N more errors` when some were left off.
pub(crate) fn write_problems(
    f: &mut fmt::Formatter<'_>,
    errors: &[LineError],
    omitted: usize,
) -> fmt::Result {
    for (i, error) in errors.iter().enumerate() {
        if i > 0 {
            writeln!(f)?;
        }
        write!(f, "{error}")?;
    }
    if omitted > 0 {
        if !errors.is_empty() {
            writeln!(f)?;
        }
        write!(f, "... and {omitted} more errors")?;
    }
    Ok(())
}

/// The line where a record starts. The csv reader's position is where it began reading,
/// before the empty lines that it skips ahead of a record, so those are counted here.
pub(crate) fn record_line(text: &str, position: &Position) -> u64 {
    let from = usize::try_from(position.byte())
        .unwrap_or(usize::MAX)
        .min(text.len());
    let skipped_newlines = text.as_bytes()[from..]
        .iter()
        .take_while(|&&b| b == b'\r' || b == b'\n')
        .filter(|&&b| b == b'\n')
        .count();
    position.line().saturating_add(skipped_newlines as u64)
}

/// Where a CSV scanner stands after a byte, for [`open_quote_line`].
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scan {
    /// Between records, where empty lines are skipped.
    StartRecord,
    /// At the start of a field after a comma.
    StartField,
    /// Inside a field that did not start with a quote: quotes in it are plain text.
    Unquoted,
    /// Inside a quoted field.
    Quoted,
    /// Just after a quote inside a quoted field: it closes the field unless another follows.
    QuoteInQuoted,
}

/// The line where the last record starts when the text ends inside a quoted field of it,
/// for the csv crate's default dialect (comma, `"` quotes doubled to escape, any of `\r`,
/// `\n` and `\r\n` ending a record). The csv reader ends such a record silently at the end
/// of the input, swallowing the rest of the file into one field, so readers check this
/// first and report it.
pub(crate) fn open_quote_line(text: &str) -> Option<u64> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);

    let field_start = |b: u8| match b {
        b'"' => Scan::Quoted,
        b',' => Scan::StartField,
        b'\r' | b'\n' => Scan::StartRecord,
        _ => Scan::Unquoted,
    };
    let mut state = Scan::StartRecord;
    let mut line: u64 = 1;
    let mut record_start: u64 = 1;
    for b in text.bytes() {
        state = match state {
            Scan::StartRecord if b == b'\r' || b == b'\n' => Scan::StartRecord,
            Scan::StartRecord => {
                record_start = line;
                field_start(b)
            }
            Scan::StartField => field_start(b),
            Scan::Unquoted | Scan::QuoteInQuoted => match b {
                b'"' if state == Scan::QuoteInQuoted => Scan::Quoted,
                b',' => Scan::StartField,
                b'\r' | b'\n' => Scan::StartRecord,
                _ => Scan::Unquoted,
            },
            Scan::Quoted if b == b'"' => Scan::QuoteInQuoted,
            Scan::Quoted => Scan::Quoted,
        };
        if b == b'\n' {
            line += 1;
        }
    }
    (state == Scan::Quoted).then_some(record_start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_or_absent_quote_leaves_nothing_open() {
        for text in [
            "",
            "a,b\n1,2\n",
            "a,\"b\"\n",
            "a,\"b\"\"c\"\n",
            "a,\"x\ny\"",
            "a,b\"c\n",
            "\"\"",
            "a,\"\"\"\"",
        ] {
            assert_eq!(open_quote_line(text), None, "{text:?}");
        }
    }

    #[test]
    fn an_open_quote_is_reported_where_its_record_starts() {
        assert_eq!(open_quote_line("a,b\n1,\"2\n3,4\n"), Some(2));
        assert_eq!(open_quote_line("a,b\r\n\r\n\n1,\"2\"\"\n"), Some(4));
        assert_eq!(open_quote_line("\"a"), Some(1));
        assert_eq!(open_quote_line("\u{feff}\"a"), Some(1));
        assert_eq!(open_quote_line("a\n\"x\ny\"\n\"z"), Some(4));
    }

    #[test]
    fn the_error_list_keeps_twenty_and_counts_the_rest() {
        let mut problems = Problems::new();
        for line in 2..30 {
            problems.push(line, "bad".into());
        }
        assert_eq!(problems.count(), 28);
        let (errors, omitted) = problems.into_parts();
        assert_eq!((errors.len(), omitted), (20, 8));
        assert_eq!(errors[19].line, 21);
    }
}
