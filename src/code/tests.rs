use super::*;

/// w_j and P(x_i) computed the slow, obvious way.
#[test]
fn weights_and_p_match_direct_products() {
    for (k, n, field) in [
        (1, 3, Field::Gf8),
        (2, 2, Field::Gf8),
        (3, 5, Field::Gf8),
        (10, 14, Field::Gf8),
        (200, 256, Field::Gf8),
        (256, 256, Field::Gf8),
        (7, 300, Field::Gf16),
        (300, 700, Field::Gf16),
        // Every point of the field: the sums run up to q − 1.
        (3, 65536, Field::Gf16),
    ]
    .into_iter()
    .filter(|&(k, n, _)| !cfg!(miri) || k * n < 5000)
    {
        let code = Code::with_field(k, n, field).unwrap();
        let t = field.tables();
        // Logs reduced: below q.
        assert!(code.wlog.iter().chain(&code.plog).all(|&l| l < t.q));
        for j in 0..k {
            let mut d = 1;
            for m in (0..k).filter(|&m| m != j) {
                d = t.mul(d, field.point(j) ^ field.point(m));
            }
            let w = field.inv(d).unwrap();
            assert_eq!(t.exp(u64::from(code.wlog[j])), w, "w_{j} k={k} n={n}");
        }
        for i in k..n {
            let mut p = 1;
            for m in 0..k {
                p = t.mul(p, field.point(i) ^ field.point(m));
            }
            assert_eq!(t.exp(u64::from(code.plog[i - k])), p, "P(x_{i}) k={k}");
        }
    }
}

/// The configs of ../shared/BENCH.md where the quadratic kernels are at their best
/// (A–C, E) stay on the quadratic path; D, F and G convolve.
#[test]
fn cost_model_choices() {
    for (k, n, len, conv) in [
        (10, 14, 1 << 20, false),
        (32, 40, 64 << 10, false),
        (200, 255, 16 << 10, true),
        (1000, 1500, 64 << 10, true),
        // GF(2^16), few checks from many blocks (measured 3.3× and 2.5× faster).
        (1000, 1010, 64 << 10, true),
        (300, 310, 64 << 10, true),
        // Fewer still: by the size of the data (measured, see LARGE_INPUT).
        (1000, 1004, 64 << 10, true),
        (2000, 2004, 16 << 10, true),
        (1000, 1004, 16 << 10, false),
        (250, 254, 64 << 10, false),
    ] {
        let field = Field::for_blocks(n);
        let (q, c) = encode_costs(field, k, k, n - 1, n - k, len);
        assert_eq!(
            cheaper_to_convolve(field, q, c),
            conv,
            "encode {k}+{} of {len} bytes",
            n - k
        );
    }
    let decode = |k: usize, n: usize, lost: &[usize]| {
        let code = Code::new(k, n).unwrap();
        let mut idx: Vec<usize> = (0..k).collect();
        for (i, &l) in lost.iter().enumerate() {
            idx[l] = k + i;
        }
        let d = code.decoder(&idx).unwrap();
        let s = &d.solver;
        cheaper_to_convolve(code.field, s.quadratic_cost(), s.spans().unwrap().cost())
    };
    assert!(!decode(10, 14, &[1, 3, 5, 7]), "E");
    // Solving these takes hours under Miri (e² log sums, interpreted).
    if !cfg!(miri) {
        assert!(decode(1000, 1500, &(0..500).collect::<Vec<_>>()), "F-dec");
        assert!(decode(32768, 65535, &(0..16384).collect::<Vec<_>>()), "G");
    }
}

#[test]
fn spec_small_check() {
    let code = Code::new(3, 5).unwrap();
    let data = [b"1".repeat(70), b"2".repeat(70), b"3".repeat(70)];
    let refs: Vec<&[u8]> = data.iter().map(|d| d.as_slice()).collect();
    let mut b3 = vec![0; 70];
    let mut b4 = vec![0; 70];
    code.encode_many(&refs, &[3, 4], &mut [&mut b3, &mut b4])
        .unwrap();
    assert_eq!(b3, b"%".repeat(70));
    assert_eq!(b4, b"Y".repeat(70));
}
