//! Throughput of one `Code::encode_many` call making every check block into
//! buffers allocated once: the Rust side of perl/Algorithm-FEC/tools/bench-encode,
//! which compares Perl's `encode(@indices)` and `encode_into` with it in one run.
//!
//! `cargo run --release --example encode_rate -- K N BLOCK_SIZE ITERATIONS` prints
//! the input rate in MB/s (10^6 bytes of data blocks per second). Built with the
//! `isal` feature it prints a second rate: Intel ISA-L's `ec_encode_data` making the
//! same checks (checked byte-identical first).

#[cfg(feature = "isal")]
#[path = "../tests/common/isal.rs"]
mod isal;

use algorithm_fec::Code;
use std::time::Instant;

/// Input MB/s of `iterations` calls of `f`.
fn rate(iterations: usize, bytes: usize, mut f: impl FnMut()) -> f64 {
    let t = Instant::now();
    for _ in 0..iterations {
        f();
    }
    (iterations * bytes) as f64 / t.elapsed().as_secs_f64() / 1e6
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = std::env::args()
        .skip(1)
        .map(|a| a.parse::<usize>())
        .collect::<Result<Vec<_>, _>>()?;
    let [k, n, bs, iterations] = args[..] else {
        return Err("usage: encode_rate K N BLOCK_SIZE ITERATIONS".into());
    };
    let code = Code::new(k, n)?;
    // The same data as the Perl script: block j is byte 65 + j repeated.
    let data: Vec<Vec<u8>> = (0..k).map(|j| vec![65 + j as u8; bs]).collect();
    let refs: Vec<&[u8]> = data.iter().map(Vec::as_slice).collect();
    let indices: Vec<usize> = (k..n).collect();
    let mut outs = vec![vec![0u8; bs]; n - k];
    let encode = |outs: &mut [Vec<u8>]| {
        let mut o: Vec<&mut [u8]> = outs.iter_mut().map(Vec::as_mut_slice).collect();
        code.encode_many(&refs, &indices, &mut o)
            .expect("valid shapes");
    };
    let ours = rate(iterations, k * bs, || encode(&mut outs));
    #[cfg(feature = "isal")]
    {
        let mut row = vec![0u16; k];
        let mut matrix = Vec::new();
        for &i in &indices {
            code.row(i, &mut row)?;
            matrix.extend(row.iter().map(|&c| c as u8));
        }
        let mut tables = isal::Tables::new(k, &matrix);
        let mut theirs = vec![vec![0u8; bs]; n - k];
        let mut run = || {
            let mut o: Vec<&mut [u8]> = theirs.iter_mut().map(Vec::as_mut_slice).collect();
            tables.encode(&refs, &mut o);
        };
        let isal = rate(iterations, k * bs, &mut run);
        run();
        encode(&mut outs);
        if theirs != outs {
            return Err("ISA-L and this crate disagree".into());
        }
        println!("{ours:.0} {isal:.0}");
    }
    #[cfg(not(feature = "isal"))]
    println!("{ours:.0}");
    Ok(())
}
