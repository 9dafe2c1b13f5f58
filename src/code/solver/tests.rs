use super::*;

/// The three decodes (quadratic, two products, one interpolation) give the data
/// back on random codes of both fields: data block 0 lost or received, lost
/// blocks and checks scattered (gaps in every span), blocks with a tail the
/// kernels leave to field tables, and a code big enough that the interpolation's
/// sums over all received points are convolved.
#[test]
fn every_decode_gives_the_data_back() {
    let mut rng = crate::test_rng::Rng(0x5DEE_CE66_D1CE_5EED);
    let cases: &[(usize, usize, usize)] = match cfg!(miri) {
        // Interpreted: small codes only.
        true => &[(3, 5, 1), (5, 9, 4)],
        false => &[
            (3, 5, 1),
            (5, 9, 4),
            (20, 40, 13),
            (100, 255, 80),
            (300, 700, 120),
            (3000, 3500, 40),
        ],
    };
    for &(k, n, e) in cases {
        let code = Code::new(k, n).unwrap();
        let len = 2 * KERNEL_STEP + 2;
        let data: Vec<Vec<u8>> = (0..k).map(|_| rng.bytes(len)).collect();
        let refs: Vec<&[u8]> = data.iter().map(|d| d.as_slice()).collect();
        let mut checks: Vec<Vec<u8>> = (k..n).map(|_| vec![0; len]).collect();
        let mut outs: Vec<&mut [u8]> = checks.iter_mut().map(|c| c.as_mut_slice()).collect();
        let all: Vec<usize> = (k..n).collect();
        code.encode_many(&refs, &all, &mut outs).unwrap();
        for zero in [true, false] {
            let mut order: Vec<usize> = (1..k).collect();
            rng.shuffle(&mut order);
            let mut lost: Vec<usize> = order[..e - usize::from(zero)].to_vec();
            lost.extend(zero.then_some(0));
            lost.sort_unstable();
            let present: Vec<usize> = (0..k).filter(|p| !lost.contains(p)).collect();
            let mut pick = all.clone();
            rng.shuffle(&mut pick);
            let used = &pick[..e];
            let s = Solver::new(&code, &present, &lost, used);
            let srcs: Vec<&[u8]> = present.iter().map(|&p| refs[p]).collect();
            let Some(spans) = s.spans() else {
                continue;
            };
            for way in 0..3 {
                let mut blocks: Vec<Vec<u8>> =
                    used.iter().map(|&c| checks[c - k].clone()).collect();
                let mut dsts: Vec<&mut [u8]> =
                    blocks.iter_mut().map(|b| b.as_mut_slice()).collect();
                match way {
                    0 => s.run_quadratic(&srcs, &mut dsts, len),
                    1 => s.run_conv(&spans, &srcs, &mut dsts, len),
                    _ => s.run_interp(&spans, &srcs, &mut dsts, len),
                }
                for (b, &l) in blocks.iter().zip(&lost) {
                    assert!(b == &data[l], "k={k} n={n} lost {l} way {way}");
                }
            }
        }
    }
}

#[test]
fn inverse_times_matrix_is_identity() {
    for (k, n, lost, checks) in [
        (3usize, 5usize, vec![0usize, 1], vec![3usize, 4]),
        (3, 5, vec![0, 2], vec![4, 3]),
        (3, 5, vec![1, 2], vec![3, 4]),
        (5, 9, vec![1, 3, 4], vec![8, 5, 6]),
    ] {
        let code = Code::new(k, n).unwrap();
        let present: Vec<usize> = (0..k).filter(|p| !lost.contains(p)).collect();
        let s = Solver::new(&code, &present, &lost, &checks);
        let e = lost.len();
        let t = code.t;
        for i in 0..e {
            let mut inv_row = vec![0u16; e];
            s.fill_stage2(i, &mut inv_row);
            for j in 0..e {
                // (M⁻¹ M)[i][j] = Σ_q M⁻¹[i][q] · L_{lost j}(x_{check q})
                let mut acc = 0;
                for q in 0..e {
                    let mut row = vec![0u16; 1];
                    code.fill_row(checks[q], &[lost[j]], &mut row);
                    acc ^= t.mul(inv_row[q], row[0]);
                }
                assert_eq!(acc, u16::from(i == j), "k={k} lost={lost:?} i={i} j={j}");
            }
        }
    }
}
