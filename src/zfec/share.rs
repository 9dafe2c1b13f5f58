use std::io::Read;

use super::{read_full, Error, Header, HeaderError};

/// One share file opened for decoding: its name (for messages), its header, and a
/// reader positioned at the start of its data.
///
/// # Examples
///
/// ```
/// use algorithm_fec::zfec::{self, Share};
/// use std::fs::File;
///
/// let dir = tempfile::tempdir()?;
/// let paths: Vec<_> = (0..3).map(|i| dir.path().join(zfec::share_file_name("f", i, 3, ".fec"))).collect();
/// let mut files = paths.iter().map(File::create).collect::<Result<Vec<_>, _>>()?;
/// zfec::encode(2, 3, &b"hello"[..], &mut files, &mut |_| {})?;
///
/// let file = File::open(&paths[2])?;
/// let len = file.metadata()?.len();
/// let share = Share::open(paths[2].display().to_string(), file, len)?;
/// // 5 bytes in 2 shares: 3 data bytes each, 1 of padding.
/// assert_eq!((share.header().sharenum, share.header().padlen, share.data_len()), (2, 1, 3));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Share<R> {
    pub(super) name: String,
    pub(super) header: Header,
    pub(super) data_len: u64,
    reader: R,
}

impl<R: Read> Share<R> {
    /// Reads and checks the header of a share whose total length (header included)
    /// is `file_len` bytes. `name` is used in error messages.
    ///
    /// # Examples
    ///
    /// ```
    /// use algorithm_fec::zfec::{Error, HeaderError, Share};
    /// use std::io::Cursor;
    ///
    /// // Share 4 of 10, k = 3 (the header 09 29 40 from zfec), with 4 data bytes.
    /// let bytes = vec![0x09, 0x29, 0x40, 1, 2, 3, 4];
    /// let share = Share::open("s.4_10.fec", Cursor::new(bytes), 7)?;
    /// assert_eq!((share.header().k, share.data_len()), (3, 4));
    ///
    /// // One byte is no header.
    /// let err = Share::open("s.x", Cursor::new(vec![0x09]), 1).unwrap_err();
    /// assert!(matches!(err, Error::Header { source: HeaderError::TooShort { .. }, .. }));
    /// assert!(err.to_string().starts_with("s.x: "));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn open(name: impl Into<String>, mut reader: R, file_len: u64) -> Result<Share<R>, Error> {
        let name = name.into();
        let bad = |name: &String, source| Error::Header {
            share: name.clone(),
            source,
        };
        let header = match Header::read_from(&mut reader) {
            Err(source) => return Err(Error::Read { name, source }),
            Ok(Err(e)) => return Err(bad(&name, e)),
            Ok(Ok(h)) => h,
        };
        let hlen = header.encoded_len() as u64;
        if file_len < hlen {
            return Err(bad(
                &name,
                HeaderError::TooShort {
                    needed: hlen as usize,
                    got: file_len as usize,
                },
            ));
        }
        let data_len = file_len - hlen;
        if data_len == 0 && header.padlen > 0 {
            return Err(bad(
                &name,
                HeaderError::PaddingWithoutData {
                    padlen: header.padlen,
                },
            ));
        }
        Ok(Share {
            name,
            header,
            data_len,
            reader,
        })
    }
}

impl<R> Share<R> {
    /// The share's name as given to [`Share::open`].
    ///
    /// ```
    /// # use algorithm_fec::zfec::{self, Share};
    /// # use std::io::Cursor;
    /// # fn shares(k: usize, m: usize, input: &[u8]) -> Result<Vec<Share<Cursor<Vec<u8>>>>, zfec::Error> {
    /// #     let mut outs = vec![Cursor::new(Vec::new()); m];
    /// #     zfec::encode(k, m, input, &mut outs, &mut |_| {})?;
    /// #     (outs.into_iter().enumerate())
    /// #         .map(|(i, c)| {
    /// #             let len = c.get_ref().len() as u64;
    /// #             Share::open(format!("s.{i}_{m}.fec"), Cursor::new(c.into_inner()), len)
    /// #         })
    /// #         .collect()
    /// # }
    /// // shares(k, m, input): the m shares of `input`, encoded and opened in memory.
    /// let s = shares(2, 3, b"hello")?;
    /// assert_eq!(s[1].name(), "s.1_3.fec");
    /// # Ok::<(), zfec::Error>(())
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its header.
    ///
    /// ```
    /// # use algorithm_fec::zfec::{self, Share};
    /// # use std::io::Cursor;
    /// # fn shares(k: usize, m: usize, input: &[u8]) -> Result<Vec<Share<Cursor<Vec<u8>>>>, zfec::Error> {
    /// #     let mut outs = vec![Cursor::new(Vec::new()); m];
    /// #     zfec::encode(k, m, input, &mut outs, &mut |_| {})?;
    /// #     (outs.into_iter().enumerate())
    /// #         .map(|(i, c)| {
    /// #             let len = c.get_ref().len() as u64;
    /// #             Share::open(format!("s.{i}_{m}.fec"), Cursor::new(c.into_inner()), len)
    /// #         })
    /// #         .collect()
    /// # }
    /// // shares(k, m, input): the m shares of `input`, encoded and opened in memory.
    /// use algorithm_fec::zfec::Header;
    ///
    /// let s = shares(2, 3, b"hello")?;
    /// assert_eq!(s[2].header(), Header::new(3, 2, 1, 2)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn header(&self) -> Header {
        self.header
    }

    /// Data bytes after the header.
    ///
    /// ```
    /// # use algorithm_fec::zfec::{self, Share};
    /// # use std::io::Cursor;
    /// # fn shares(k: usize, m: usize, input: &[u8]) -> Result<Vec<Share<Cursor<Vec<u8>>>>, zfec::Error> {
    /// #     let mut outs = vec![Cursor::new(Vec::new()); m];
    /// #     zfec::encode(k, m, input, &mut outs, &mut |_| {})?;
    /// #     (outs.into_iter().enumerate())
    /// #         .map(|(i, c)| {
    /// #             let len = c.get_ref().len() as u64;
    /// #             Share::open(format!("s.{i}_{m}.fec"), Cursor::new(c.into_inner()), len)
    /// #         })
    /// #         .collect()
    /// # }
    /// // shares(k, m, input): the m shares of `input`, encoded and opened in memory.
    /// let s = shares(2, 3, b"hello")?;
    /// assert_eq!(s[0].data_len(), 3); // ⌈5 / 2⌉
    /// # Ok::<(), zfec::Error>(())
    /// ```
    pub fn data_len(&self) -> u64 {
        self.data_len
    }
}

/// Reads the next `len` data bytes of every share into its column.
pub(super) fn read_columns<R: Read>(
    shares: &mut [Share<R>],
    cols: &mut [Vec<u8>],
    len: usize,
    done: u64,
    expected: u64,
) -> Result<(), Error> {
    for (s, c) in shares.iter_mut().zip(cols.iter_mut()) {
        let got = read_full(&mut s.reader, &mut c[..len]).map_err(|source| Error::Read {
            name: s.name.clone(),
            source,
        })?;
        if got < len {
            return Err(Error::Truncated {
                share: s.name.clone(),
                expected,
                got: done + got as u64,
            });
        }
    }
    Ok(())
}
