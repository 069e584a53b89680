//! Reading JSON Lines input a line at a time, never more than [`MAX_LINE`] bytes of it.

use std::io::{BufRead, Read as _};

use crate::error::{Error, Result};

/// The longest input line read, 16 MiB: a longer one (or input with no line end, such as
/// `/dev/zero`) is refused at that point rather than buffered without bound.
pub const MAX_LINE: usize = 16 << 20;

/// Reads the next line of `input`, line `line_no` (counting from 1), into `line` (cleared
/// first), with its line ending. Returns the bytes read, 0 at the end of the input.
///
/// # Errors
/// [`Error::AtLine`] for a line longer than [`MAX_LINE`] or not UTF-8; [`Error::Io`].
pub(crate) fn read_line(input: &mut dyn BufRead, line: &mut String, line_no: u64) -> Result<usize> {
    line.clear();
    let at = |reason: String| Error::AtLine {
        line: line_no,
        source: Box::new(Error::BadRecord { reason }),
    };
    let n = match input.take(MAX_LINE as u64 + 1).read_line(line) {
        Ok(n) => n,
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
            return Err(at("the line is not UTF-8 text".to_owned()));
        }
        Err(source) => {
            return Err(Error::Io {
                action: "read the input".to_owned(),
                source,
            });
        }
    };
    if n > MAX_LINE {
        return Err(at(format!(
            "the line is longer than {MAX_LINE} bytes (fieldseal::bulk::MAX_LINE), or has no \
             line end; is it a JSON Lines file?"
        )));
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_come_with_their_endings_and_a_long_one_is_refused_at_the_cap() {
        let mut input: &[u8] = b"{\"a\":1}\r\n\n{}";
        let mut line = String::new();
        assert_eq!(read_line(&mut input, &mut line, 1).unwrap(), 9);
        assert_eq!(line, "{\"a\":1}\r\n");
        assert_eq!(read_line(&mut input, &mut line, 2).unwrap(), 1);
        assert_eq!(read_line(&mut input, &mut line, 3).unwrap(), 2);
        assert_eq!(line, "{}");
        assert_eq!(read_line(&mut input, &mut line, 4).unwrap(), 0);

        // Endless zeros: refused after MAX_LINE + 1 bytes, the rest never read.
        let mut zeros = std::io::BufReader::new(std::io::repeat(0));
        let err = read_line(&mut zeros, &mut line, 7).unwrap_err();
        assert!(matches!(err, Error::AtLine { line: 7, .. }), "{err:?}");
        assert!(err.to_string().contains("longer than"), "{err}");
        assert!(line.capacity() < 2 * MAX_LINE + 64);

        let mut bad: &[u8] = b"\xff\xfe\n";
        let err = read_line(&mut bad, &mut line, 1).unwrap_err();
        assert!(err.to_string().contains("not UTF-8"), "{err}");
    }
}
