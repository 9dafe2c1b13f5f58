/// `padlen` for an input of `size` bytes: zero bytes the encoder adds so that the
/// last segment splits into k equal blocks.
///
/// ```
/// use algorithm_fec::zfec::{padlen, share_data_len};
///
/// // 10 bytes in 3 shares: 4 bytes each, the last 2 of them padding.
/// assert_eq!((share_data_len(10, 3), padlen(10, 3)), (4, 2));
/// assert_eq!((share_data_len(9, 3), padlen(9, 3)), (3, 0));
/// ```
pub fn padlen(size: u64, k: usize) -> usize {
    let k = k.max(1) as u64;
    ((k - size % k) % k) as usize
}

/// Data bytes in each share of an input of `size` bytes: ⌈size / k⌉.
///
/// ```
/// use algorithm_fec::zfec::{self, Header};
/// use std::io::Cursor;
///
/// let mut outs = vec![Cursor::new(Vec::new()); 4];
/// zfec::encode(3, 4, &b"ten bytes!"[..], &mut outs, &mut |_| {})?;
/// let header = Header::len_for(4, 3) as u64;
/// assert_eq!(outs[0].get_ref().len() as u64, header + zfec::share_data_len(10, 3));
/// # Ok::<(), zfec::Error>(())
/// ```
pub fn share_data_len(size: u64, k: usize) -> u64 {
    size.div_ceil(k.max(1) as u64)
}

/// zfec's share file name: `PREFIX.NN_MM` + `suffix` (usually `.fec`), the share
/// number and m both zero-padded to as many digits as m has.
///
/// ```
/// assert_eq!(algorithm_fec::zfec::share_file_name("a.txt", 3, 10, ".fec"), "a.txt.03_10.fec");
/// assert_eq!(algorithm_fec::zfec::share_file_name("x", 0, 3, ".fec"), "x.0_3.fec");
/// ```
pub fn share_file_name(prefix: &str, sharenum: usize, m: usize, suffix: &str) -> String {
    let w = m.to_string().len();
    format!("{prefix}.{sharenum:0w$}_{m:0w$}{suffix}")
}

/// [`share_file_name`] for a prefix and suffix that need not be UTF-8 (a prefix
/// taken from a file name): their bytes are kept as they are, as zfec keeps them.
///
/// ```
/// use std::ffi::OsStr;
/// let name = algorithm_fec::zfec::share_file_os_name(OsStr::new("a"), 1, 3, OsStr::new(".fec"));
/// assert_eq!(name, "a.1_3.fec");
/// ```
pub fn share_file_os_name(
    prefix: &std::ffi::OsStr,
    sharenum: usize,
    m: usize,
    suffix: &std::ffi::OsStr,
) -> std::ffi::OsString {
    let mut name = prefix.to_os_string();
    name.push(share_file_name("", sharenum, m, ""));
    name.push(suffix);
    name
}
