//! Throughput of one `Code::encode_many` call making every check block into
//! buffers allocated once: the Rust side of perl/Algorithm-FEC/tools/bench-encode,
//! which compares Perl's `encode(@indices)` and `encode_into` with it in one run.
//!
//! `cargo run --release --example encode_rate -- K N BLOCK_SIZE ITERATIONS` prints
//! the input rate in MB/s (10^6 bytes of data blocks per second).

use algorithm_fec::Code;
use std::time::Instant;

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
    let t = Instant::now();
    for _ in 0..iterations {
        let mut o: Vec<&mut [u8]> = outs.iter_mut().map(Vec::as_mut_slice).collect();
        code.encode_many(&refs, &indices, &mut o)?;
    }
    let secs = t.elapsed().as_secs_f64();
    println!("{:.0}", (iterations * k * bs) as f64 / secs / 1e6);
    Ok(())
}
