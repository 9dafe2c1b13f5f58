//! Field arithmetic for the two fields of the code.
//!
//! | field | symbol | polynomial |
//! |---|---|---|
//! | GF(2^8) | one byte | x^8 + x^4 + x^3 + x^2 + 1 (0x11D) |
//! | GF(2^16) | little-endian u16 | x^16 + x^12 + x^3 + x + 1 (0x1100B) |
//!
//! In both the generator is α = x (the element 2) and addition is XOR. The log/exp
//! tables are computed at compile time, so there is no start-up cost and no shared
//! mutable state.

/// One of the two finite fields the code works in.
///
/// # Examples
///
/// ```
/// use algorithm_fec::{Code, Field};
///
/// // Algorithm::FEC's choice by the number of blocks, or any field by name.
/// assert_eq!(Code::new(10, 255)?.field(), Field::Gf8);
/// assert_eq!(Code::with_field(10, 20, Field::Gf16)?.field(), Field::Gf16);
/// # Ok::<(), algorithm_fec::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    /// GF(2^8) modulo 0x11D; a symbol is one byte. At most 256 blocks.
    Gf8,
    /// GF(2^16) modulo 0x1100B; a symbol is a little-endian `u16`. At most 65536 blocks.
    Gf16,
}

const Q8: usize = 255;
const Q16: usize = 65535;

/// exp[i] = α^i for 0 ≤ i < 2q (doubled so a sum of two logs needs no reduction).
const fn exp_table<const Q: usize, const L: usize>(poly: u32) -> [u16; L] {
    let mut t = [0u16; L];
    let mut x: u32 = 1;
    let mut i = 0;
    while i < Q {
        t[i] = x as u16;
        t[i + Q] = x as u16;
        x <<= 1;
        if x > Q as u32 {
            x ^= poly;
        }
        i += 1;
    }
    t
}

const fn log_table<const Q: usize, const N: usize, const L: usize>(exp: &[u16; L]) -> [u16; N] {
    let mut t = [0u16; N];
    let mut i = 0;
    while i < Q {
        t[exp[i] as usize] = i as u16;
        i += 1;
    }
    t
}

static EXP8: [u16; 2 * Q8] = exp_table::<Q8, { 2 * Q8 }>(0x11D);
static LOG8: [u16; Q8 + 1] = log_table::<Q8, { Q8 + 1 }, { 2 * Q8 }>(&EXP8);
static EXP16: [u16; 2 * Q16] = exp_table::<Q16, { 2 * Q16 }>(0x1100B);
static LOG16: [u16; Q16 + 1] = log_table::<Q16, { Q16 + 1 }, { 2 * Q16 }>(&EXP16);

/// The full GF(2^8) product table: `MUL8[a][b] = a·b`. 64 KiB; the scalar kernel
/// reads one 256-byte row per coefficient.
pub(crate) static MUL8: [[u8; 256]; 256] = {
    let mut t = [[0u8; 256]; 256];
    let mut a = 1;
    while a < 256 {
        let mut b = 1;
        while b < 256 {
            t[a][b] = EXP8[LOG8[a] as usize + LOG8[b] as usize] as u8;
            b += 1;
        }
        a += 1;
    }
    t
};

/// Log/exp tables of one field, for code that works in the log domain.
#[derive(Clone, Copy)]
pub(crate) struct Tables {
    /// α^i for 0 ≤ i < 2q.
    pub exp: &'static [u16],
    /// log_α(a) for a ≠ 0; entry 0 is meaningless.
    pub log: &'static [u16],
    /// The order of the multiplicative group, 2^w − 1.
    pub q: u32,
}

impl Tables {
    /// α^e for any e (reduced mod q).
    #[inline]
    pub fn exp(&self, e: u64) -> u16 {
        self.exp[(e % u64::from(self.q)) as usize]
    }

    /// log_α(a); the caller guarantees a ≠ 0.
    #[inline]
    pub fn log(&self, a: u16) -> u32 {
        debug_assert!(a != 0);
        u32::from(self.log[a as usize])
    }

    /// The Zech logarithm Z(u) = log_α(1 + α^u), for 0 < u < q (where 1 + α^u ≠ 0).
    #[inline]
    pub fn zech(&self, u: usize) -> u32 {
        debug_assert!(0 < u && u < self.q as usize);
        self.log(1 ^ self.exp[u])
    }

    #[inline]
    pub fn mul(&self, a: u16, b: u16) -> u16 {
        if a == 0 || b == 0 {
            0
        } else {
            self.exp[(self.log(a) + self.log(b)) as usize]
        }
    }
}

impl Field {
    /// The field Algorithm::FEC picks for `n` blocks: GF(2^8) when n ≤ 255, else
    /// GF(2^16) (n = 256 already switches to 16 bits there).
    ///
    /// ```
    /// use algorithm_fec::Field;
    ///
    /// assert_eq!(Field::for_blocks(255), Field::Gf8);
    /// assert_eq!(Field::for_blocks(256), Field::Gf16); // (zfec keeps GF(2^8) up to 256)
    /// ```
    pub const fn for_blocks(n: usize) -> Field {
        if n <= 255 {
            Field::Gf8
        } else {
            Field::Gf16
        }
    }

    /// Bits per symbol: 8 or 16.
    ///
    /// ```
    /// use algorithm_fec::Field;
    ///
    /// assert_eq!((Field::Gf8.bits(), Field::Gf16.bits()), (8, 16));
    /// ```
    pub const fn bits(self) -> u32 {
        match self {
            Field::Gf8 => 8,
            Field::Gf16 => 16,
        }
    }

    /// Bytes per symbol: 1 or 2. A block's length must be a multiple of this.
    ///
    /// ```
    /// use algorithm_fec::{Code, Error, Field};
    ///
    /// assert_eq!(Field::Gf16.symbol_bytes(), 2);
    /// let code = Code::with_field(1, 2, Field::Gf16)?;
    /// let err = code.encode(&[&b"odd"[..]], 1, &mut [0; 3]).unwrap_err();
    /// assert_eq!(err, Error::OddBlockSize { size: 3 });
    /// # Ok::<(), Error>(())
    /// ```
    pub const fn symbol_bytes(self) -> usize {
        match self {
            Field::Gf8 => 1,
            Field::Gf16 => 2,
        }
    }

    /// Number of field elements, which is also the largest possible `n`.
    ///
    /// ```
    /// use algorithm_fec::{Code, Field};
    ///
    /// assert_eq!(Field::Gf8.size(), 256);
    /// assert!(Code::with_field(2, Field::Gf8.size(), Field::Gf8).is_ok());
    /// assert!(Code::with_field(2, Field::Gf8.size() + 1, Field::Gf8).is_err());
    /// ```
    pub const fn size(self) -> usize {
        match self {
            Field::Gf8 => 256,
            Field::Gf16 => 65536,
        }
    }

    /// The reducing polynomial, e.g. `0x11D`.
    ///
    /// ```
    /// use algorithm_fec::Field;
    ///
    /// // α · x^7 = x^8 overflows a byte and is reduced by the polynomial.
    /// let f = Field::Gf8;
    /// assert_eq!(u32::from(f.mul(2, 0x80)), f.polynomial() ^ 0x100);
    /// ```
    pub const fn polynomial(self) -> u32 {
        match self {
            Field::Gf8 => 0x11D,
            Field::Gf16 => 0x1100B,
        }
    }

    pub(crate) fn tables(self) -> Tables {
        match self {
            Field::Gf8 => Tables {
                exp: &EXP8,
                log: &LOG8,
                q: Q8 as u32,
            },
            Field::Gf16 => Tables {
                exp: &EXP16,
                log: &LOG16,
                q: Q16 as u32,
            },
        }
    }

    /// Whether `a` is an element of this field.
    fn contains(self, a: u16) -> bool {
        usize::from(a) < self.size()
    }

    /// The product a·b. Panics if an argument is not an element of the field
    /// (only possible in GF(2^8), for values above 255).
    ///
    /// ```
    /// use algorithm_fec::Field;
    ///
    /// let f = Field::Gf16;
    /// assert_eq!(f.mul(3, 3), 5); // (x + 1)² = x² + 1: 2x = 0 in characteristic 2
    /// assert_eq!(f.mul(0x1234, 1), 0x1234);
    /// assert_eq!(f.mul(0x1234, 0), 0);
    /// ```
    pub fn mul(self, a: u16, b: u16) -> u16 {
        assert!(self.contains(a) && self.contains(b), "not a field element");
        self.tables().mul(a, b)
    }

    /// The inverse 1/a, or `None` for a = 0 (or a value outside the field).
    ///
    /// ```
    /// use algorithm_fec::Field;
    ///
    /// let f = Field::Gf8;
    /// let i = f.inv(0x53).expect("non-zero");
    /// assert_eq!(f.mul(0x53, i), 1);
    /// assert_eq!(f.inv(0), None);
    /// ```
    pub fn inv(self, a: u16) -> Option<u16> {
        if a == 0 || !self.contains(a) {
            return None;
        }
        let t = self.tables();
        Some(t.exp[((t.q - t.log(a)) % t.q) as usize])
    }

    /// The quotient a/b, or `None` when b = 0.
    ///
    /// ```
    /// use algorithm_fec::Field;
    ///
    /// let f = Field::Gf16;
    /// let q = f.div(0xbeef, 0x1234).expect("b is not 0");
    /// assert_eq!(f.mul(q, 0x1234), 0xbeef);
    /// assert_eq!(f.div(1, 0), None);
    /// ```
    pub fn div(self, a: u16, b: u16) -> Option<u16> {
        self.inv(b).map(|ib| self.mul(a, ib))
    }

    /// α^e (the exponent is taken mod 2^w − 1).
    ///
    /// ```
    /// use algorithm_fec::Field;
    ///
    /// let f = Field::Gf8;
    /// assert_eq!((f.exp(0), f.exp(1), f.exp(7)), (1, 2, 0x80));
    /// assert_eq!(f.exp(255), 1); // α has order 2^8 − 1
    /// ```
    pub fn exp(self, e: u64) -> u16 {
        self.tables().exp(e)
    }

    /// log_α(a), or `None` for a = 0.
    ///
    /// ```
    /// use algorithm_fec::Field;
    ///
    /// let f = Field::Gf16;
    /// let l = f.log(0xbeef).expect("non-zero");
    /// assert_eq!(f.exp(u64::from(l)), 0xbeef);
    /// assert_eq!(f.log(0), None);
    /// ```
    pub fn log(self, a: u16) -> Option<u32> {
        (a != 0 && self.contains(a)).then(|| self.tables().log(a))
    }

    /// The evaluation point of block index `r`: x_0 = 0, x_r = α^(r−1).
    ///
    /// ```
    /// use algorithm_fec::Field;
    ///
    /// let f = Field::Gf8;
    /// assert_eq!((f.point(0), f.point(1), f.point(2), f.point(4)), (0, 1, 2, 8));
    /// ```
    pub fn point(self, r: usize) -> u16 {
        if r == 0 {
            0
        } else {
            self.exp(r as u64 - 1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Carry-less multiply and reduce, written out bit by bit: the definition the
    /// tables must agree with.
    fn slow_mul(a: u32, b: u32, poly: u32, bits: u32) -> u32 {
        let mut r = 0;
        for i in 0..bits {
            if b >> i & 1 == 1 {
                r ^= a << i;
            }
        }
        for i in (bits..2 * bits).rev() {
            if r >> i & 1 == 1 {
                r ^= poly << (i - bits);
            }
        }
        r
    }

    #[test]
    fn gf8_matches_definition() {
        for a in 0..256u32 {
            for b in 0..256u32 {
                let want = slow_mul(a, b, 0x11D, 8) as u16;
                assert_eq!(Field::Gf8.mul(a as u16, b as u16), want);
                assert_eq!(MUL8[a as usize][b as usize], want as u8);
            }
        }
    }

    #[test]
    fn gf16_matches_definition_on_a_sample() {
        let mut rng = crate::test_rng::Rng(0x1234_5678);
        for _ in 0..if cfg!(miri) { 200 } else { 200_000 } {
            let x = rng.next();
            let (a, b) = ((x & 0xFFFF) as u32, ((x >> 16) & 0xFFFF) as u32);
            assert_eq!(
                u32::from(Field::Gf16.mul(a as u16, b as u16)),
                slow_mul(a, b, 0x1100B, 16)
            );
        }
    }

    #[test]
    fn generator_has_full_order() {
        for f in [Field::Gf8, Field::Gf16] {
            let t = f.tables();
            let mut seen = vec![false; f.size()];
            for i in 0..t.q as usize {
                let v = t.exp[i] as usize;
                assert!(v != 0 && !seen[v], "α^{i} repeats");
                seen[v] = true;
            }
        }
    }

    #[test]
    fn inverse_and_division() {
        for f in [Field::Gf8, Field::Gf16] {
            assert_eq!(f.inv(0), None);
            assert_eq!(f.div(5, 0), None);
            for a in (1..f.size()).step_by(97) {
                let a = a as u16;
                assert_eq!(f.mul(a, f.inv(a).unwrap()), 1);
                assert_eq!(f.div(f.mul(a, 7), 7), Some(a));
                assert_eq!(f.exp(u64::from(f.log(a).unwrap())), a);
            }
        }
        assert_eq!(Field::Gf8.inv(256), None);
    }

    #[test]
    fn points_and_field_choice() {
        assert_eq!(Field::Gf8.point(0), 0);
        assert_eq!(Field::Gf8.point(1), 1);
        assert_eq!(Field::Gf8.point(2), 2);
        assert_eq!(Field::Gf8.point(9), 0x1D); // α^8 = x^4+x^3+x^2+1
        assert_eq!(Field::Gf16.point(17), 0x100B);
        assert_eq!(Field::for_blocks(255), Field::Gf8);
        assert_eq!(Field::for_blocks(256), Field::Gf16);
    }
}
