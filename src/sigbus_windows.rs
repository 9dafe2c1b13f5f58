//! Windows counterpart of the SIGBUS guard (src/sigbus.rs): nothing to catch.
//!
//! Windows refuses to shorten a file while a view of it is mapped (`SetEndOfFile`
//! fails with ERROR_USER_MAPPED_FILE, see the test `set_len_fails_on_a_mapped_file`),
//! and a file that is not sparse has its space allocated when it is made longer, so
//! a mapping of the library's never faults for the reasons a Unix one can. The
//! guard keeps the same interface and never reports a fault; a shrink of less than
//! a page, which Unix allows, is still seen by the length check of
//! `Region::changed`.

/// A registered mapping (nothing to record on Windows).
#[derive(Debug)]
pub(crate) struct Guard;

impl Guard {
    /// Always `Some`: there is no table to fill.
    pub fn register(_start: *const u8, _len: usize) -> Option<Guard> {
        Some(Guard)
    }

    /// Never: a mapped file cannot be cut short under the mapping.
    pub fn faulted(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    /// The reason this module is empty: while a mapping of a file is live, Windows
    /// refuses to make the file shorter, and allows it again once it is unmapped.
    #[test]
    fn set_len_fails_on_a_mapped_file() {
        let dir = tempfile::tempdir().unwrap();
        let f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(dir.path().join("f"))
            .unwrap();
        f.set_len(3 * 65536).unwrap();
        // SAFETY: the file is this test's own; nothing else changes it.
        let map = unsafe { memmap2::MmapOptions::new().map_mut(&f) }.unwrap();
        let err = f
            .set_len(4096)
            .expect_err("shrinking a mapped file must fail");
        // ERROR_USER_MAPPED_FILE (1224).
        assert_eq!(err.raw_os_error(), Some(1224), "{err}");
        assert_eq!(f.metadata().unwrap().len(), 3 * 65536);
        assert_eq!(map.len(), 3 * 65536);
        drop(map);
        f.set_len(4096).unwrap();
        assert_eq!(f.metadata().unwrap().len(), 4096);
    }
}
