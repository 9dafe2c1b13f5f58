use std::io::{self, Read, Seek, SeekFrom, Write};

use super::{
    column_bytes, padlen, read_full, share_data_len, Error, Header, CHUNK_SIZE, MAX_SHARES,
};
use crate::code::Code;
use crate::gf::Field;

fn check_params(k: usize, m: usize) -> Result<Code, Error> {
    if !(1..=m).contains(&k) || m > MAX_SHARES {
        return Err(Error::Params { k, m });
    }
    Code::with_field(k, m, Field::Gf8).map_err(|_| Error::Params { k, m })
}

/// The code for an encoder's parameters, checked along with its number of outputs.
fn check_encoder(k: usize, m: usize, outputs: usize) -> Result<Code, Error> {
    let code = check_params(k, m)?;
    if outputs != m {
        return Err(Error::OutputCount {
            expected: m,
            got: outputs,
        });
    }
    Ok(code)
}

/// What [`encode`] and [`encode_sized`] produced.
///
/// # Examples
///
/// ```
/// use algorithm_fec::zfec::{self, Encoded};
///
/// let mut outs = vec![Vec::new(); 5];
/// let e = zfec::encode_sized(3, 5, 10, &b"ten bytes!"[..], &mut outs, &mut |_| {})?;
/// // 10 bytes = 3 shares of 4 with 2 bytes of padding; 2 header bytes each.
/// assert_eq!(e, Encoded { size: 10, padlen: 2, share_len: 6 });
/// assert!(outs.iter().all(|o| o.len() == 6));
/// # Ok::<(), zfec::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Encoded {
    /// Input bytes encoded.
    pub size: u64,
    /// Zero bytes of padding (stored in the headers).
    pub padlen: usize,
    /// Bytes written to each share, header included.
    pub share_len: u64,
}

fn write_name(sharenum: usize) -> impl Fn(io::Error) -> Error {
    move |source| Error::Write {
        name: format!("share {sharenum}"),
        source,
    }
}

/// Encodes all of `input` into m share streams (`outs[i]` receives share i, header
/// included), byte-identical to zfec. The input's length need not be known: each
/// header is written with padlen 0 first, then rewritten once the input has ended,
/// so the outputs must be seekable; they are left positioned at their end.
/// `progress` is called with the input bytes consumed so far.
///
/// Memory stays constant whatever the input size: about 2 MiB of buffers (4 MiB
/// more for m = 256).
///
/// # Examples
///
/// ```
/// use algorithm_fec::zfec::{self, Header};
/// use std::fs::File;
///
/// // Share files in a temporary directory, named as zfec names them.
/// let dir = tempfile::tempdir()?;
/// let mut files = (0..5)
///     .map(|i| File::create(dir.path().join(zfec::share_file_name("f", i, 5, ".fec"))))
///     .collect::<Result<Vec<_>, _>>()?;
/// let input = b"ten bytes!";
/// let e = zfec::encode(3, 5, &input[..], &mut files, &mut |_| {})?;
/// assert_eq!((e.size, e.padlen), (10, 2));
/// // The input's size was learnt at its end: the headers were rewritten with padlen 2.
/// let share4 = std::fs::read(dir.path().join("f.4_5.fec"))?;
/// assert_eq!(Header::parse(&share4)?.0, Header::new(5, 3, 2, 4)?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn encode<R: Read, W: Write + Seek>(
    k: usize,
    m: usize,
    input: R,
    outs: &mut [W],
    progress: &mut dyn FnMut(u64),
) -> Result<Encoded, Error> {
    let code = check_encoder(k, m, outs.len())?;
    let starts: Vec<u64> = outs
        .iter_mut()
        .enumerate()
        .map(|(i, o)| o.stream_position().map_err(write_name(i)))
        .collect::<Result<_, _>>()?;
    write_headers(outs, k, m, 0)?;
    let size = encode_data(&code, input, outs, None, progress)?;
    let padlen = padlen(size, k);
    if padlen != 0 {
        for (i, (o, &start)) in outs.iter_mut().zip(&starts).enumerate() {
            o.seek(SeekFrom::Start(start)).map_err(write_name(i))?;
        }
        write_headers(outs, k, m, padlen)?;
        for (i, o) in outs.iter_mut().enumerate() {
            o.seek(SeekFrom::End(0)).map_err(write_name(i))?;
        }
    }
    for (i, o) in outs.iter_mut().enumerate() {
        o.flush().map_err(write_name(i))?;
    }
    Ok(Encoded {
        size,
        padlen,
        share_len: (Header::len_for(m, k) as u64) + share_data_len(size, k),
    })
}

/// Like [`encode`] for outputs that cannot seek: the input's `size` must be known in
/// advance (headers come first). Fails with [`Error::InputSize`] if the input turns
/// out longer or shorter.
///
/// # Examples
///
/// ```
/// use algorithm_fec::zfec::{self, Error};
/// use std::io::Cursor;
///
/// // Plain writers (a pipe, a socket, a Vec): the size comes first.
/// let input = b"ten bytes!";
/// let mut outs = vec![Vec::new(); 5];
/// zfec::encode_sized(3, 5, 10, &input[..], &mut outs, &mut |_| {})?;
/// // The same bytes as `encode` with seekable outputs.
/// let mut seekable = vec![Cursor::new(Vec::new()); 5];
/// zfec::encode(3, 5, &input[..], &mut seekable, &mut |_| {})?;
/// assert!(outs.iter().zip(&seekable).all(|(a, b)| a == b.get_ref()));
///
/// let wrong = zfec::encode_sized(3, 5, 12, &input[..], &mut vec![Vec::new(); 5], &mut |_| {});
/// assert!(matches!(wrong, Err(Error::InputSize { expected: 12, got: 10 })));
/// # Ok::<(), Error>(())
/// ```
pub fn encode_sized<R: Read, W: Write>(
    k: usize,
    m: usize,
    size: u64,
    input: R,
    outs: &mut [W],
    progress: &mut dyn FnMut(u64),
) -> Result<Encoded, Error> {
    let code = check_encoder(k, m, outs.len())?;
    let padlen = padlen(size, k);
    write_headers(outs, k, m, padlen)?;
    let got = encode_data(&code, input, outs, Some(size), progress)?;
    if got != size {
        return Err(Error::InputSize {
            expected: size,
            got,
        });
    }
    for (i, o) in outs.iter_mut().enumerate() {
        o.flush().map_err(write_name(i))?;
    }
    Ok(Encoded {
        size,
        padlen,
        share_len: (Header::len_for(m, k) as u64) + share_data_len(size, k),
    })
}

fn write_headers<W: Write>(outs: &mut [W], k: usize, m: usize, padlen: usize) -> Result<(), Error> {
    for (i, o) in outs.iter_mut().enumerate() {
        let h = Header::new(m, k, padlen, i)
            .and_then(|h| h.to_bytes())
            .map_err(|_| Error::Params { k, m })?;
        o.write_all(&h).map_err(write_name(i))?;
    }
    Ok(())
}

/// Streams the share data. Many segments are handled per call to the code: the
/// batch is transposed into one column per share (column j = block j of each
/// segment, i.e. exactly the bytes share j receives), and since the code works
/// byte position by byte position, encoding the columns in one call gives the same
/// bytes as encoding segment by segment. A final short segment (zero-padded
/// blocks of ⌈L/k⌉ bytes) simply extends the columns.
fn encode_data<R: Read, W: Write>(
    code: &Code,
    mut input: R,
    outs: &mut [W],
    limit: Option<u64>,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, Error> {
    let (k, m) = (code.k(), code.n());
    let col = column_bytes(m);
    let seg = k * CHUNK_SIZE;
    let mut inbuf = vec![0u8; k * col];
    let mut cols = vec![vec![0u8; col]; m];
    let parity: Vec<usize> = (k..m).collect();
    let mut total = 0u64;
    loop {
        let n = read_full(&mut input, &mut inbuf).map_err(|source| Error::Read {
            name: "the input".into(),
            source,
        })?;
        if n == 0 {
            break;
        }
        if let Some(limit) = limit {
            if total + n as u64 > limit {
                return Err(Error::InputSize {
                    expected: limit,
                    got: total + n as u64,
                });
            }
        }
        let full = n / seg;
        for (s, segment) in inbuf[..full * seg].chunks_exact(seg).enumerate() {
            for (j, block) in segment.chunks_exact(CHUNK_SIZE).enumerate() {
                cols[j][s * CHUNK_SIZE..(s + 1) * CHUNK_SIZE].copy_from_slice(block);
            }
        }
        let mut len = full * CHUNK_SIZE;
        let rest = &inbuf[full * seg..n];
        if !rest.is_empty() {
            let b = rest.len().div_ceil(k);
            for (j, c) in cols.iter_mut().take(k).enumerate() {
                let dst = &mut c[len..len + b];
                let src = rest.get(j * b..).unwrap_or(&[]);
                let take = src.len().min(b);
                dst[..take].copy_from_slice(&src[..take]);
                dst[take..].fill(0);
            }
            len += b;
        }
        let (data, checks) = cols.split_at_mut(k);
        let data: Vec<&[u8]> = data.iter().map(|c| &c[..len]).collect();
        let mut checks: Vec<&mut [u8]> = checks.iter_mut().map(|c| &mut c[..len]).collect();
        code.encode_many(&data, &parity, &mut checks)
            .expect("shapes are consistent by construction");
        for (i, (o, c)) in outs.iter_mut().zip(&cols).enumerate() {
            o.write_all(&c[..len]).map_err(write_name(i))?;
        }
        total += n as u64;
        progress(total);
        if n < inbuf.len() {
            break;
        }
    }
    Ok(total)
}
