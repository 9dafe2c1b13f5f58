//! Reed–Solomon RS(255, 223) throughput over a 1 MiB stream: encode, decode of clean
//! codewords, and decode with t = 16 errors in every codeword; and the checksummed
//! file container (depth 16) around the same data, to compare with the bare stream:
//! its cost is the interleaving and two BLAKE3 passes.

use std::hint::black_box;
use std::time::Duration;

use algorithm_fec::rs::{protect_file, repair_file, RsCoder};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

mod common;

const LEN: usize = 1 << 20;

fn bench(c: &mut Criterion) {
    let rs = RsCoder::new(255, 223).unwrap();
    let data = common::data(1, LEN).remove(0);
    let coded = rs.encode_stream(&data);

    // 16 errors (= t) at distinct positions in every codeword.
    let mut noisy = coded.clone();
    for (w, word) in noisy.chunks_exact_mut(255).enumerate() {
        for e in 0..16 {
            let p = (w * 7 + e * 15) % 255;
            word[p] ^= (e as u8).wrapping_mul(29) | 1;
        }
    }
    assert_eq!(
        rs.decode_stream(&noisy).unwrap().1.corrected_bytes,
        16 * (coded.len() / 255) as u64
    );

    let mut g = c.benchmark_group("rs255_223_1MiB");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .throughput(Throughput::Bytes(LEN as u64));
    g.bench_function("encode", |b| b.iter(|| rs.encode_stream(black_box(&data))));
    g.bench_function("decode_clean", |b| {
        b.iter(|| rs.decode_stream(black_box(&coded)).unwrap())
    });
    g.bench_function("decode_16_errors", |b| {
        b.iter(|| rs.decode_stream(black_box(&noisy)).unwrap())
    });
    let mut file = Vec::new();
    protect_file(&data[..], &mut file, 255, 223, 16).unwrap();
    let mut out = Vec::with_capacity(LEN);
    g.bench_function("protect_file", |b| {
        b.iter(|| {
            file.clear();
            protect_file(black_box(&data[..]), &mut file, 255, 223, 16).unwrap()
        })
    });
    g.bench_function("repair_file_clean", |b| {
        b.iter(|| {
            out.clear();
            repair_file(black_box(&file[..]), &mut out).unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
