//! Decodes a multi-GiB sparse file in place through FecSession's file regions and
//! reports peak resident memory, which must stay small whatever the file size.
//!
//! ```text
//! cargo run --release --example inplace -- [GIB] [DIR]     (default 4 GiB, $TMPDIR)
//! ```
//!
//! The file holds k = 8 data blocks of GIB/8 each: zeros (holes) with a 4 KiB mark
//! every 64 MiB. Blocks 0 and 5 are overwritten in place by check blocks 8 and 9
//! (computed chunk by chunk), then `set_decode_blocks` + `decode` rebuild them in the
//! file. Exit status 1 if the data differs or peak RSS exceeds 256 MiB.

use std::process::ExitCode;

#[cfg(unix)]
use unix::run;

/// Elsewhere there is no /proc to measure with.
#[cfg(not(unix))]
fn run() -> Result<bool, Box<dyn std::error::Error>> {
    Err("needs Unix (Linux): it reads its peak memory from /proc/self/status".into())
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("inplace: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(unix)]
mod unix {
    use algorithm_fec::{Block, Code, FecSession};
    use std::fs::OpenOptions;
    use std::os::unix::fs::FileExt;
    use std::time::Instant;

    const K: usize = 8;
    const N: usize = 10;
    const MARK_EVERY: u64 = 64 << 20;
    const CHUNK: usize = 8 << 20;
    const RSS_LIMIT_KIB: u64 = 256 * 1024;

    /// The expected content at absolute file offset `off`, for `len` bytes.
    fn expected(off: u64, len: usize) -> Vec<u8> {
        (0..len as u64)
            .map(|i| {
                let o = off + i;
                if o % MARK_EVERY < 4096 {
                    (o.wrapping_mul(0x9E37_79B9) >> 13) as u8 | 1
                } else {
                    0
                }
            })
            .collect()
    }

    fn status_kib(field: &str) -> u64 {
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with(field))
                    .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            })
            .unwrap_or(0)
    }

    pub fn run() -> Result<bool, Box<dyn std::error::Error>> {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let gib: u64 = args.first().map_or(Ok(4), |s| s.parse())?;
        let dir = args.get(1).map_or_else(std::env::temp_dir, Into::into);
        let bs = (gib << 30) as usize / K;
        let tmp = tempfile::NamedTempFile::new_in(&dir)?;
        let file = OpenOptions::new().read(true).write(true).open(tmp.path())?;
        file.set_len(gib << 30)?;
        for off in (0..gib << 30).step_by(MARK_EVERY as usize) {
            file.write_all_at(&expected(off, 4096), off)?;
        }

        // Replace data blocks 0 and 5 by check blocks 8 and 9, chunk by chunk.
        let t = Instant::now();
        let code = Code::new(K, N)?;
        let mut chunk = vec![vec![0u8; CHUNK]; K];
        let mut checks = vec![vec![0u8; CHUNK]; 2];
        for start in (0..bs).step_by(CHUNK) {
            let len = CHUNK.min(bs - start);
            for (j, c) in chunk.iter_mut().enumerate() {
                file.read_exact_at(&mut c[..len], (j * bs + start) as u64)?;
            }
            let data: Vec<&[u8]> = chunk.iter().map(|c| &c[..len]).collect();
            let (c8, c9) = checks.split_at_mut(1);
            code.encode_many(&data, &[8, 9], &mut [&mut c8[0][..len], &mut c9[0][..len]])?;
            file.write_all_at(&checks[0][..len], start as u64)?;
            file.write_all_at(&checks[1][..len], (5 * bs + start) as u64)?;
        }
        drop((chunk, checks));
        println!("{gib} GiB sparse file, k={K} n={N}, blocks of {} MiB; blocks 0 and 5 replaced by checks 8 and 9 in {:.1?}", bs >> 20, t.elapsed());

        // Measure only the decode: reset the peak (Linux: clear_refs 5 resets VmHWM).
        std::fs::write("/proc/self/clear_refs", "5")?;
        let t = Instant::now();
        let mut session = FecSession::new(K, N, bs)?;
        let mut indices = vec![8, 1, 2, 3, 4, 9, 6, 7];
        let blocks = (0..K)
            .map(|j| Block::file(&file, (j * bs) as u64))
            .collect();
        session.set_decode_blocks(blocks, &mut indices)?;
        session.decode()?;
        let took = t.elapsed();
        let peak = status_kib("VmHWM:");
        println!(
        "decoded in place in {took:.1?} ({:.0} MB/s of input); peak RSS during decode {} MiB (limit {} MiB)",
        (gib << 30) as f64 / took.as_secs_f64() / 1e6,
        peak / 1024,
        RSS_LIMIT_KIB / 1024
    );

        let mut buf = vec![0u8; CHUNK];
        for off in (0..(gib << 30)).step_by(CHUNK) {
            file.read_exact_at(&mut buf, off)?;
            if buf != expected(off, CHUNK) {
                println!("FAIL: data differs in the chunk at offset {off}");
                return Ok(false);
            }
        }
        println!("every byte of the file is back");
        Ok(peak <= RSS_LIMIT_KIB)
    }
}
