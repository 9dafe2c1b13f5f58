//! The library's main job on one file: split it into k data blocks, make n blocks,
//! throw n − k of them away (chosen at random, data blocks included), decode in place
//! from the k that are left, and compare with the original.
//!
//! ```text
//! cargo run --release --example roundtrip -- [FILE] [K] [N]
//! ```
//! Defaults: `sample/sample.txt`, k = 8, n = 12 (GF(2^8)); n ≥ 256 uses GF(2^16).

use algorithm_fec::{Code, Field};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("roundtrip: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args.first().map_or("sample/sample.txt", String::as_str);
    let k: usize = args.get(1).map_or(Ok(8), |s| s.parse())?;
    let n: usize = args.get(2).map_or(Ok(12), |s| s.parse())?;
    let input = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    let code = Code::new(k, n)?;

    // Pad to k equal blocks of whole symbols.
    let sym = code.field().symbol_bytes();
    let bs = input.len().div_ceil(k).div_ceil(sym).max(1) * sym;
    let mut padded = input.clone();
    padded.resize(bs * k, 0);
    let data: Vec<&[u8]> = padded.chunks(bs).collect();
    let all: Vec<usize> = (0..n).collect();
    let mut blocks = vec![vec![0u8; bs]; n];
    let mut outs: Vec<&mut [u8]> = blocks.iter_mut().map(|b| b.as_mut_slice()).collect();
    code.encode_many(&data, &all, &mut outs)?;

    // Keep a random k of the n blocks, in random order.
    let mut seed = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos() as u64 | 1;
    let mut rand = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut kept: Vec<usize> = all.clone();
    for i in (1..n).rev() {
        kept.swap(i, rand() as usize % (i + 1));
    }
    kept.truncate(k);
    let field = match code.field() {
        Field::Gf8 => "GF(2^8)",
        Field::Gf16 => "GF(2^16)",
    };
    println!(
        "{path}: {} bytes -> {n} blocks of {bs} bytes in {field}; decoding from blocks {kept:?}",
        input.len()
    );
    let mut received: Vec<Vec<u8>> = kept.iter().map(|&i| blocks[i].clone()).collect();
    let mut refs: Vec<&mut [u8]> = received.iter_mut().map(|b| b.as_mut_slice()).collect();
    let mut indices = kept.clone();
    code.decode(&mut refs, &mut indices)?;
    let mut output: Vec<u8> = refs.concat();
    output.truncate(input.len());
    if output == input {
        println!("decoded {} bytes: identical to the input", output.len());
        Ok(())
    } else {
        Err("decoded data differs from the input".into())
    }
}
