//! Property tests of `Code::decode_correcting` in both fields: s blocks of which t
//! are wrong decode exactly, naming exactly the wrong ones, when 2t ≤ s − k
//! (whole blocks wrong, or a few columns, or different blocks in different
//! columns); with s − k < 2t ≤ 2(s − k) the decode fails and never returns wrong
//! data.

#[path = "common/rng.rs"]
mod rng;

use algorithm_fec::{BadBlock, Code, Error, Field};
use proptest::prelude::*;
use rng::Rng;

/// A code, its data and s of its blocks (random indices, random order).
struct Case {
    code: Code,
    data: Vec<Vec<u8>>,
    indices: Vec<usize>,
    blocks: Vec<Vec<u8>>,
}

impl Case {
    fn new(
        field: Field,
        k: usize,
        spare: usize,
        unused: usize,
        syms: usize,
        rng: &mut Rng,
    ) -> Case {
        let s = k + spare;
        let n = (s + unused).min(field.size());
        let code = Code::with_field(k, n, field).unwrap();
        let len = syms * field.symbol_bytes();
        let data: Vec<Vec<u8>> = (0..k).map(|_| rng.bytes(len)).collect();
        let mut indices: Vec<usize> = (0..n).collect();
        rng.shuffle(&mut indices);
        indices.truncate(s);
        let refs: Vec<&[u8]> = data.iter().map(Vec::as_slice).collect();
        let mut blocks = vec![vec![0u8; len]; s];
        let mut outs: Vec<&mut [u8]> = blocks.iter_mut().map(Vec::as_mut_slice).collect();
        code.encode_many(&refs, &indices, &mut outs).unwrap();
        Case {
            code,
            data,
            indices,
            blocks,
        }
    }

    fn decode(&self) -> (Result<Vec<BadBlock>, Error>, Vec<Vec<u8>>) {
        let len = self.blocks[0].len();
        let mut out = vec![vec![0u8; len]; self.code.k()];
        let given: Vec<&[u8]> = self.blocks.iter().map(Vec::as_slice).collect();
        let mut outs: Vec<&mut [u8]> = out.iter_mut().map(Vec::as_mut_slice).collect();
        let r = self
            .code
            .decode_correcting(&given, &self.indices, &mut outs);
        (r, out)
    }

    /// XORs a nonzero random value into the symbols `cols` of block `p`; returns
    /// the bytes changed.
    fn spoil(&mut self, p: usize, cols: &[usize], rng: &mut Rng) -> usize {
        let sb = self.code.field().symbol_bytes();
        let mut changed = 0;
        for &c in cols {
            let sym = &mut self.blocks[p][c * sb..][..sb];
            let mut x = vec![0u8; sb];
            while x.iter().all(|&b| b == 0) {
                x = rng.bytes(sb);
            }
            for (b, x) in sym.iter_mut().zip(&x) {
                *b ^= x;
                changed += usize::from(*x != 0);
            }
        }
        changed
    }
}

fn field() -> impl Strategy<Value = Field> {
    prop_oneof![Just(Field::Gf8), Just(Field::Gf16)]
}

/// Random symbol columns: `count` of `syms`, distinct, sorted.
fn columns(syms: usize, count: usize, rng: &mut Rng) -> Vec<usize> {
    let mut c: Vec<usize> = (0..syms).collect();
    rng.shuffle(&mut c);
    c.truncate(count);
    c.sort_unstable();
    c
}

/// What the test expects back: per wrong position, its index, wrong bytes and the
/// first of them, from comparing with the blocks as encoded.
fn expected(case: &Case, clean: &[Vec<u8>]) -> Vec<(usize, usize, usize, usize)> {
    (0..clean.len())
        .filter_map(|p| {
            let diff: Vec<usize> = (0..clean[p].len())
                .filter(|&b| clean[p][b] != case.blocks[p][b])
                .collect();
            let first = *diff.first()?;
            Some((p, case.indices[p], diff.len(), first))
        })
        .collect()
}

fn reported(bad: &[BadBlock]) -> Vec<(usize, usize, usize, usize)> {
    bad.iter()
        .map(|b| (b.position, b.index, b.bytes, b.first))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 300 }))]

    /// Up to ⌊(s − k)/2⌋ wrong blocks, each wrong throughout or in a few columns:
    /// the data exactly, and exactly the wrong blocks with their wrong bytes.
    #[test]
    fn corrects_up_to_half_the_spares(
        field in field(), k in 1usize..12, spare in 0usize..9, unused in 0usize..4,
        syms in 1usize..80, seed in 1u64.., whole in any::<[bool; 4]>(),
    ) {
        let mut rng = Rng(seed);
        let mut case = Case::new(field, k, spare, unused, syms, &mut rng);
        let clean = case.blocks.clone();
        let t = rng.below(spare / 2 + 1);
        let mut wrong: Vec<usize> = (0..k + spare).collect();
        rng.shuffle(&mut wrong);
        for (i, &p) in wrong.iter().take(t).enumerate() {
            let cols = match whole[i] {
                true => (0..syms).collect(),
                false => columns(syms, 1 + rng.below(3.min(syms)), &mut rng),
            };
            case.spoil(p, &cols, &mut rng);
        }
        let (r, out) = case.decode();
        let bad = r.unwrap();
        prop_assert_eq!(&out, &case.data);
        prop_assert_eq!(bad.len(), t);
        prop_assert_eq!(reported(&bad), expected(&case, &clean));
    }

    /// Different blocks wrong in different columns, each column within the radius
    /// (more blocks wrong in all than the radius): still exact.
    #[test]
    fn corrects_column_by_column(
        field in field(), k in 1usize..10, spare in 2usize..9,
        syms in 1usize..60, seed in 1u64..,
    ) {
        let mut rng = Rng(seed);
        let mut case = Case::new(field, k, spare, 2, syms, &mut rng);
        let clean = case.blocks.clone();
        for c in columns(syms, 1 + rng.below(syms), &mut rng) {
            let mut wrong: Vec<usize> = (0..k + spare).collect();
            rng.shuffle(&mut wrong);
            for &p in wrong.iter().take(1 + rng.below(spare / 2)) {
                case.spoil(p, &[c], &mut rng);
            }
        }
        let (r, out) = case.decode();
        let bad = r.unwrap();
        prop_assert_eq!(&out, &case.data);
        prop_assert_eq!(reported(&bad), expected(&case, &clean));
    }

    /// More wrong blocks than the radius but no more than the spares, in 16
    /// columns: an error naming one of those columns, or (never seen) the exact
    /// data; never wrong data.
    #[test]
    fn detects_up_to_all_the_spares(
        field in field(), k in 1usize..10, spare in 1usize..9,
        syms in 16usize..60, seed in 1u64.., whole in any::<bool>(),
    ) {
        let mut rng = Rng(seed);
        let mut case = Case::new(field, k, spare, 1, syms, &mut rng);
        let t = spare / 2 + 1 + rng.below(spare - spare / 2);
        let cols = match whole {
            true => (0..syms).collect(),
            false => columns(syms, 16, &mut rng),
        };
        let mut wrong: Vec<usize> = (0..k + spare).collect();
        rng.shuffle(&mut wrong);
        for &p in wrong.iter().take(t) {
            case.spoil(p, &cols, &mut rng);
        }
        let (r, out) = case.decode();
        match r {
            Err(Error::Uncorrectable { offset, spare: sp }) => {
                prop_assert_eq!(sp, spare);
                prop_assert!(cols.contains(&(offset / field.symbol_bytes())));
            }
            Ok(_) => prop_assert_eq!(&out, &case.data),
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
    }
}

/// Blocks longer than one stripe: a block wrong throughout, another in one byte of
/// a later stripe, corrected with their counts; one more wrong block there is
/// beyond the radius (5 spares) and reported at its offset.
#[test]
#[cfg_attr(miri, ignore = "too slow under Miri: 300 000-byte blocks")]
fn long_blocks_over_several_stripes() {
    let mut rng = Rng(7);
    let mut case = Case::new(Field::Gf8, 3, 5, 0, 300_000, &mut rng);
    let clean = case.blocks.clone();
    let len = 300_000;
    case.spoil(0, &(0..len).collect::<Vec<_>>(), &mut rng);
    case.spoil(6, &[250_001], &mut rng);
    let (r, out) = case.decode();
    let bad = r.unwrap();
    assert_eq!(out, case.data);
    assert_eq!(reported(&bad), expected(&case, &clean));
    assert_eq!(bad[1].first, 250_001);
    case.spoil(3, &[250_001], &mut rng);
    case.spoil(4, &[250_001], &mut rng);
    let (r, _) = case.decode();
    assert_eq!(
        r,
        Err(Error::Uncorrectable {
            offset: 250_001,
            spare: 5
        })
    );
}

/// Wrong counts, indices and sizes are errors before anything is written.
#[test]
fn argument_errors() {
    let code = Code::new(2, 4).unwrap();
    let b = [0u8; 4];
    let mut d = [[9u8; 4]; 2];
    let [d0, d1] = &mut d;
    let mut data: Vec<&mut [u8]> = vec![d0, d1];
    let blocks: Vec<&[u8]> = vec![&b, &b, &b];
    let cases = [
        (
            vec![0, 1],
            Error::WrongCount {
                what: "indices",
                expected: 3,
                got: 2,
            },
        ),
        (vec![0, 1, 4], Error::IndexOutOfRange { index: 4, n: 4 }),
        (vec![0, 1, 1], Error::DuplicateIndex { index: 1 }),
    ];
    for (idx, e) in cases {
        assert_eq!(code.decode_correcting(&blocks, &idx, &mut data), Err(e));
    }
    assert_eq!(
        code.decode_correcting(&blocks[..1], &[0], &mut data),
        Err(Error::TooFewBlocks { k: 2, got: 1 })
    );
    let short = [0u8; 3];
    assert_eq!(
        code.decode_correcting(&[&b, &short], &[0, 1], &mut data),
        Err(Error::WrongBlockSize {
            position: 1,
            expected: 4,
            got: 3
        })
    );
    assert_eq!(d, [[9u8; 4]; 2]);
}

/// Every point of GF(2^8) (x = 0 among them) and a large GF(2^16) code: the most
/// wrong blocks the spares allow, wrong throughout or in scattered columns.
#[test]
#[cfg_attr(miri, ignore = "too slow under Miri: more than 20 minutes interpreted")]
fn large_codes_at_the_radius() {
    for (field, k, spare, syms) in [(Field::Gf8, 200, 56, 300), (Field::Gf16, 900, 100, 150)] {
        let mut rng = Rng(k as u64);
        let mut case = Case::new(field, k, spare, 0, syms, &mut rng);
        let clean = case.blocks.clone();
        let mut wrong: Vec<usize> = (0..k + spare).collect();
        rng.shuffle(&mut wrong);
        for (i, &p) in wrong.iter().take(spare / 2).enumerate() {
            let cols = match i % 2 {
                0 => (0..syms).collect(),
                _ => columns(syms, 5, &mut rng),
            };
            case.spoil(p, &cols, &mut rng);
        }
        let (r, out) = case.decode();
        let bad = r.unwrap();
        assert_eq!(out, case.data);
        assert_eq!(reported(&bad), expected(&case, &clean));
        // More in column 7, where every other block above is wrong throughout:
        // one more wrong block there than the radius, detected.
        let t = spare / 2;
        for &p in &wrong[t..t + t / 2 + 1] {
            case.spoil(p, &[7], &mut rng);
        }
        let (r, _) = case.decode();
        assert!(matches!(r, Err(Error::Uncorrectable { .. })), "{r:?}");
    }
}
