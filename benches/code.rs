//! Throughput of the code (MB/s of data read) and the cost of setting it up.
//!
//! `cargo bench --bench code` — groups: `gf8_k10_n14_1MiB`, `gf16_k1000_n1500_64KiB`,
//! `setup`. The kernel is the one `ALGORITHM_FEC_KERNEL` picks (default: fastest).

use algorithm_fec::{Code, Shard};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use std::time::Duration;

fn data(k: usize, bs: usize) -> Vec<Vec<u8>> {
    (0..k)
        .map(|j| {
            (0..bs)
                .map(|i| (i * 7 + j * 131 + (i >> 9)) as u8)
                .collect()
        })
        .collect()
}

/// Encode per index, in one pass, and decode `lost` data blocks from checks.
fn throughput(c: &mut Criterion, name: &str, k: usize, n: usize, bs: usize, checks: usize) {
    let code = Code::new(k, n).unwrap();
    let data = data(k, bs);
    let refs: Vec<&[u8]> = data.iter().map(|d| d.as_slice()).collect();
    let indices: Vec<usize> = (k..k + checks).collect();
    // Made here too, not only in the timed loops, which a name filter may skip.
    let mut outs = vec![vec![0u8; bs]; checks];
    {
        let mut o: Vec<&mut [u8]> = outs.iter_mut().map(|o| o.as_mut_slice()).collect();
        code.encode_many(&refs, &indices, &mut o).unwrap();
    }

    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Bytes((k * bs) as u64));
    g.sample_size(10).measurement_time(Duration::from_secs(3));
    g.bench_function(BenchmarkId::new("encode_per_index", checks), |b| {
        b.iter(|| {
            for (&i, o) in indices.iter().zip(outs.iter_mut()) {
                code.encode(&refs, i, o).unwrap();
            }
        })
    });
    g.bench_function(BenchmarkId::new("encode_one_pass", checks), |b| {
        b.iter(|| {
            let mut o: Vec<&mut [u8]> = outs.iter_mut().map(|o| o.as_mut_slice()).collect();
            code.encode_many(&refs, &indices, &mut o).unwrap();
        })
    });
    // Data blocks 0..checks are lost and replaced by the checks computed above.
    let mut idx: Vec<usize> = (0..k).collect();
    idx[..checks].copy_from_slice(&indices);
    let decoder = code.decoder(&idx).unwrap();
    let decode = |work: &mut [Vec<u8>]| {
        for (w, o) in work.iter_mut().zip(&outs) {
            w.copy_from_slice(o);
        }
        let mut it = work.iter_mut();
        let mut shards: Vec<Shard<'_>> = (0..k)
            .map(|p| match p < checks {
                true => Shard::Write(it.next().unwrap()),
                false => Shard::Read(&data[p]),
            })
            .collect();
        decoder.decode(&mut shards).unwrap();
    };
    // Checked outside the timed loop, for the same reason.
    let mut work = outs.clone();
    decode(&mut work);
    assert_eq!(work[0], data[0]);
    g.bench_function(BenchmarkId::new("decode", checks), |b| {
        b.iter(|| decode(&mut work))
    });
    g.finish();
}

fn gf8(c: &mut Criterion) {
    throughput(c, "gf8_k10_n14_1MiB", 10, 14, 1 << 20, 4);
}

fn gf16(c: &mut Criterion) {
    throughput(c, "gf16_k1000_n1500_64KiB", 1000, 1500, 64 << 10, 8);
}

/// What the original spends hours on: building a large GF(2^16) code, and solving the
/// decode system for 16384 lost data blocks.
fn setup(c: &mut Criterion) {
    let mut g = c.benchmark_group("setup");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    g.bench_function("code_new_32768_65536", |b| {
        b.iter(|| Code::new(black_box(32768), 65536).unwrap())
    });
    let code = Code::new(32768, 65536).unwrap();
    let mut idx: Vec<usize> = (0..32768).collect();
    for (p, slot) in idx.iter_mut().enumerate().take(16384) {
        *slot = 32768 + 2 * p; // every other check block
    }
    g.bench_function("decoder_e16384", |b| {
        b.iter(|| code.decoder(black_box(&idx)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, setup, gf8, gf16);
criterion_main!(benches);
