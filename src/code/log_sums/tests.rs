use super::*;

/// xorshift64*: deterministic test data without a dependency.
fn rng(seed: u64) -> impl FnMut(usize) -> usize {
    let mut x = seed | 1;
    move |below| {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32) as usize % below
    }
}

/// e check points and e lost data points, distinct; b holds x_0 = 0 if asked.
fn points(
    field: Field,
    e: usize,
    zero: bool,
    r: &mut impl FnMut(usize) -> usize,
) -> (Vec<u16>, Vec<u16>) {
    let mut idx: Vec<usize> = (1..field.size()).collect();
    for i in 0..2 * e {
        let j = i + r(idx.len() - i);
        idx.swap(i, j);
    }
    let a = idx[..e].iter().map(|&i| field.point(i)).collect();
    let mut b: Vec<u16> = idx[e..2 * e].iter().map(|&i| field.point(i)).collect();
    if zero {
        let at = r(e);
        b[at] = 0;
    }
    (a, b)
}

/// The sums by all three ways, which must agree.
fn three_ways(field: Field, a: &[u16], b: &[u16], what: &str) {
    let t = field.tables();
    let direct = LogSums::direct(&t, a, b);
    let (s, tb) = exponents(&t, a, b);
    let runs = both_runs(&s, &tb);
    assert_eq!(
        direct,
        LogSums::by_convolution(&t, &s, &tb),
        "{field:?} {what}"
    );
    assert_eq!(
        direct,
        LogSums::by_runs(&t, &s, &tb, runs),
        "{field:?} {what}"
    );
}

#[test]
#[cfg_attr(miri, ignore = "too slow under Miri (NTT of 2^17 points / e = 2800)")]
fn direct_convolution_and_runs_agree() {
    let mut r = rng(42);
    for (field, es) in [
        (Field::Gf8, &[1usize, 2, 3, 17, 64, 100, 127][..]),
        (Field::Gf16, &[1, 2, 5, 300, 1000][..]),
    ] {
        for &e in es {
            for zero in [false, true] {
                let (a, b) = points(field, e, zero, &mut r);
                three_ways(field, &a, &b, &format!("e={e} zero={zero}"));
            }
        }
    }
    // The ends of the exponent range (x_1 = α^0, x_65535 = α^(q−1)) and the largest
    // possible e in GF(2^8), checks next to the lost points: runs that touch
    // the ends, and intervals of Z that wrap around.
    let f = Field::Gf16;
    let a: Vec<u16> = (65535 - 40..65536).map(|i| f.point(i)).collect();
    let b: Vec<u16> = (0..41).map(|i| f.point(i)).collect();
    three_ways(f, &a, &b, "ends");
    let f = Field::Gf8;
    let a: Vec<u16> = (128..256).map(|i| f.point(i)).collect();
    let b: Vec<u16> = (0..128).map(|i| f.point(i)).collect();
    three_ways(f, &a, &b, "e = 128");
    // Bursts: a few runs of lost points among the data, the checks in runs
    // too, with and without the point 0.
    let f = Field::Gf16;
    let a: Vec<u16> = (40000..40300)
        .chain(50000..50100)
        .map(|i| f.point(i))
        .collect();
    for first in [0, 1] {
        let b: Vec<u16> = (first..first + 200)
            .chain(7000..7150)
            .chain(65400..65450)
            .map(|i| f.point(i))
            .collect();
        three_ways(f, &a, &b, &format!("bursts from {first}"));
    }
}

/// Few runs take the runs' way, scattered points the others (which
/// [`direct_convolution_and_runs_agree`] holds to the same answers).
#[test]
fn runs_are_taken_for_bursts_only() {
    let f = Field::Gf16;
    let t = f.tables();
    let burst: Vec<u16> = (1..3001).map(|i| f.point(i)).collect();
    let checks: Vec<u16> = (40000..43000).map(|i| f.point(i)).collect();
    let scattered: Vec<u16> = (1..3001).map(|i| f.point(7 * i)).collect();
    let count = |a: &[u16], b: &[u16]| {
        let (s, tb) = exponents(&t, a, b);
        let (rs, rt) = both_runs(&s, &tb);
        rs.len() + rt.len()
    };
    assert_eq!(count(&checks, &burst), 2);
    assert_eq!(count(&checks, &scattered), 3001);
    assert_eq!(Way::of(3000, 3000, 2), Way::Runs);
    assert_eq!(Way::of(3000, 3000, 3001), Way::Convolution);
    assert_eq!(Way::of(16384, 16384, 2), Way::Runs);
    assert_eq!(Way::of(100, 100, 2), Way::Runs);
    assert_eq!(Way::of(100, 100, 101), Way::Direct);
    assert_eq!(runs(&[5, 3, 4, 9, 0, 10]), [(0, 1), (3, 6), (9, 11)]);
}

/// Spot rows of M⁻¹·M at an e that takes the convolution path.
#[test]
#[cfg_attr(miri, ignore = "too slow under Miri (NTT of 2^17 points / e = 2800)")]
fn inverse_is_exact_on_the_convolution_path() {
    let e = CONVOLVE_FROM_E;
    let (k, n) = (2 * e + 3, 65536);
    let code = Code::new(k, n).unwrap();
    // Data 0 (the point 0) and every other block lost; checks from both ends.
    let lost: Vec<usize> = (0..k).filter(|p| p % 2 == 0).take(e).collect();
    let present: Vec<usize> = (0..k).filter(|p| !lost.contains(p)).collect();
    let checks: Vec<usize> = (k..k + e / 2).chain(n - e / 2..n).collect();
    let s = Solver::new(&code, &present, &lost, &checks);
    let t = code.t;
    for i in [0, 1, e / 2, e - 1] {
        let mut inv_row = vec![0u16; e];
        s.fill_stage2(i, &mut inv_row);
        for j in [0, 1, i, e / 2 + 1, e - 1] {
            let mut acc = 0;
            for qi in 0..e {
                let mut row = [0u16; 1];
                code.fill_row(checks[qi], &[lost[j]], &mut row);
                acc ^= t.mul(inv_row[qi], row[0]);
            }
            assert_eq!(acc, u16::from(i == j), "i={i} j={j}");
        }
    }
}

/// A whole decode through the public API at an e on the convolution path, with data
/// block 0 (the point 0) lost and checks up to the last point α^(q−1).
///
/// To stay quick in debug builds, block j holds f(x_j) for two fixed polynomials f
/// of low degree (one symbol each): the polynomial of degree < k through the data
/// is then f itself, so every check block is f at its point, made in O(1).
#[test]
#[cfg_attr(miri, ignore = "too slow under Miri (NTT of 2^17 points / e = 2800)")]
fn decode_on_the_convolution_path() {
    let f = Field::Gf16;
    let e = CONVOLVE_FROM_E;
    let (k, n) = (e + 30, 65536);
    let code = Code::new(k, n).unwrap();
    let polys: [&[u16]; 2] = [&[0x1234, 0xBEEF, 7, 0x8001], &[3, 0, 0x4242, 1, 0, 0xF00D]];
    let block = |i: usize| -> Vec<u8> {
        let x = f.point(i);
        polys
            .iter()
            .flat_map(|c| {
                c.iter()
                    .rev()
                    .fold(0, |acc, &c| f.mul(acc, x) ^ c)
                    .to_le_bytes()
            })
            .collect()
    };
    let data: Vec<Vec<u8>> = (0..k).map(block).collect();
    let refs: Vec<&[u8]> = data.iter().map(|d| d.as_slice()).collect();
    // Lose data 0..e − 30 and every other block after it; supply checks from
    // the first and the last range, one of them reversed.
    let lost: Vec<usize> = (0..e - 30).chain((e - 30..k).step_by(2)).collect();
    assert_eq!(lost.len(), e);
    let checks: Vec<usize> = (n - e / 2..n).rev().chain(k..k + e - e / 2).collect();
    for &i in [checks[0], checks[e - 1]].iter() {
        let mut b = vec![0u8; 4];
        code.encode(&refs, i, &mut b).unwrap();
        assert_eq!(b, block(i), "check {i} is f(x_{i})");
    }
    let mut indices: Vec<usize> = (e - 29..k).step_by(2).collect();
    indices.extend(&checks);
    let mut blocks: Vec<Vec<u8>> = indices.iter().map(|&i| block(i)).collect();
    let mut block_refs: Vec<&mut [u8]> = blocks.iter_mut().map(|b| b.as_mut_slice()).collect();
    code.decode(&mut block_refs, &mut indices).unwrap();
    for (j, b) in block_refs.iter().enumerate() {
        assert_eq!(&**b, data[j].as_slice(), "data block {j}");
    }
}
