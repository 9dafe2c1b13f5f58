use std::io::{self, Seek, SeekFrom, Write};

use super::OutputError;

/// A copy of an I/O error (which is not `Clone`), keeping its errno.
fn copy_error(e: &io::Error) -> io::Error {
    match e.raw_os_error() {
        Some(code) => io::Error::from_raw_os_error(code),
        None => io::Error::new(e.kind(), e.to_string()),
    }
}

/// A writer that keeps the first error it returned, so a failure can be blamed on
/// the output whatever the code that wrote to it made of the error.
///
/// # Examples
///
/// ```
/// use algorithm_fec::output::{OutputError, Recorder};
/// use std::io::Write;
///
/// let dir = tempfile::tempdir()?;
/// std::fs::write(dir.path().join("f"), b"")?;
/// let read_only = std::fs::File::open(dir.path().join("f"))?;
/// let mut w = Recorder::new(read_only);
/// // Whatever the caller makes of the error, the recorder keeps it...
/// let _ = w.write_all(b"data");
/// // ...so the failure can be reported as the output's.
/// assert!(matches!(w.error("f"), Some(OutputError::Write { name, .. }) if name == "f"));
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Recorder<W> {
    inner: W,
    error: Option<io::Error>,
}

impl<W> Recorder<W> {
    /// Wraps `inner`.
    ///
    /// ```
    /// use algorithm_fec::output::Recorder;
    /// use std::io::Write;
    ///
    /// let mut buf = Vec::new();
    /// let mut w = Recorder::new(&mut buf);
    /// w.write_all(b"abc")?;
    /// assert!(w.error("buffer").is_none());
    /// assert_eq!(buf, b"abc");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new(inner: W) -> Self {
        Recorder { inner, error: None }
    }

    fn note<T>(&mut self, r: io::Result<T>) -> io::Result<T> {
        if let Err(e) = &r {
            if self.error.is_none() && e.kind() != io::ErrorKind::Interrupted {
                self.error = Some(copy_error(e));
            }
        }
        r
    }

    /// The first error a call on this writer returned, as a write error of `name`.
    ///
    /// ```
    /// use algorithm_fec::output::{OutputError, Recorder};
    /// use std::io::Write;
    ///
    /// let dir = tempfile::tempdir()?;
    /// std::fs::write(dir.path().join("f"), b"")?;
    /// let mut w = Recorder::new(std::fs::File::open(dir.path().join("f"))?);
    /// assert!(w.error("f").is_none());
    /// assert!(w.write(b"x").is_err()); // opened for reading only
    /// let err = w.error("share 3").expect("recorded");
    /// assert!(err.to_string().starts_with("cannot write share 3: "));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn error(&self, name: &str) -> Option<OutputError> {
        self.error.as_ref().map(|e| OutputError::Write {
            name: name.to_string(),
            source: copy_error(e),
        })
    }
}

impl<W: Write> Write for Recorder<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let r = self.inner.write(buf);
        self.note(r)
    }

    fn flush(&mut self) -> io::Result<()> {
        let r = self.inner.flush();
        self.note(r)
    }
}

impl<W: Seek> Seek for Recorder<W> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let r = self.inner.seek(pos);
        self.note(r)
    }
}
