//! A minimal binding of Intel ISA-L's erasure-code entry points (libisal, feature
//! `isal`), for the comparison benchmark and test. ISA-L's GF(2^8) uses the same
//! polynomial (0x11D), so given our coefficient rows it must produce our bytes.
#![allow(dead_code)]

use std::os::raw::c_int;

#[link(name = "isal")]
extern "C" {
    fn gf_invert_matrix(input: *mut u8, output: *mut u8, n: c_int) -> c_int;
    fn ec_init_tables(k: c_int, rows: c_int, a: *mut u8, gftbls: *mut u8);
    fn ec_encode_data(
        len: c_int,
        k: c_int,
        rows: c_int,
        gftbls: *mut u8,
        data: *mut *mut u8,
        coding: *mut *mut u8,
    );
    // The per-instruction-set versions `ec_encode_data` dispatches to: exported by
    // libisal though not in its header; same arguments.
    fn ec_encode_data_sse(
        len: c_int,
        k: c_int,
        rows: c_int,
        gftbls: *mut u8,
        data: *mut *mut u8,
        coding: *mut *mut u8,
    );
    fn ec_encode_data_avx2(
        len: c_int,
        k: c_int,
        rows: c_int,
        gftbls: *mut u8,
        data: *mut *mut u8,
        coding: *mut *mut u8,
    );
    fn ec_encode_data_avx512(
        len: c_int,
        k: c_int,
        rows: c_int,
        gftbls: *mut u8,
        data: *mut *mut u8,
        coding: *mut *mut u8,
    );
}

/// The inverse of the `n × n` GF(2^8) matrix `m` (row-major) by ISA-L's
/// `gf_invert_matrix`, which overwrites `m`; None if it is singular. A decoder's
/// solve: the rows of the inverse for the lost blocks make its decode matrix.
pub fn invert(m: &mut [u8], n: usize) -> Option<Vec<u8>> {
    assert_eq!(m.len(), n * n);
    let mut out = vec![0u8; n * n];
    // SAFETY: `m` and `out` each hold n × n bytes (checked above and made so).
    let r = unsafe { gf_invert_matrix(m.as_mut_ptr(), out.as_mut_ptr(), n as c_int) };
    (r == 0).then_some(out)
}

/// Which of ISA-L's encoders to call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isa {
    /// `ec_encode_data`: ISA-L's own run-time choice.
    Auto,
    /// `ec_encode_data_sse`.
    Sse,
    /// `ec_encode_data_avx2`.
    Avx2,
    /// `ec_encode_data_avx512`.
    Avx512,
}

impl Isa {
    /// Whether this CPU can run it (ISA-L's versions need these extensions).
    pub fn available(self) -> bool {
        match self {
            Isa::Auto => true,
            Isa::Sse => is_x86_feature_detected!("ssse3"),
            Isa::Avx2 => is_x86_feature_detected!("avx2"),
            Isa::Avx512 => {
                is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512bw")
            }
        }
    }
}

/// ISA-L's expanded tables for one `rows × k` coefficient matrix.
pub struct Tables {
    k: usize,
    rows: usize,
    g: Vec<u8>,
}

impl Tables {
    /// `matrix` is row-major, `rows × k` GF(2^8) coefficients.
    pub fn new(k: usize, matrix: &[u8]) -> Tables {
        assert!(k > 0 && matrix.len().is_multiple_of(k));
        let rows = matrix.len() / k;
        let mut a = matrix.to_vec();
        let mut g = vec![0u8; 32 * k * rows];
        // SAFETY: `a` holds rows·k bytes and `g` the 32·k·rows bytes ISA-L writes.
        unsafe { ec_init_tables(k as c_int, rows as c_int, a.as_mut_ptr(), g.as_mut_ptr()) };
        Tables { k, rows, g }
    }

    /// `out[r] = Σ_j matrix[r][j] · data[j]`.
    pub fn encode(&mut self, data: &[&[u8]], out: &mut [&mut [u8]]) {
        self.encode_with(Isa::Auto, data, out)
    }

    /// [`Tables::encode`] with one of ISA-L's versions. Panics if this CPU cannot
    /// run it.
    pub fn encode_with(&mut self, isa: Isa, data: &[&[u8]], out: &mut [&mut [u8]]) {
        assert!(isa.available(), "{isa:?} is not available on this CPU");
        assert_eq!(data.len(), self.k);
        assert_eq!(out.len(), self.rows);
        let len = data[0].len();
        assert!(data.iter().all(|d| d.len() == len) && out.iter().all(|o| o.len() == len));
        // ISA-L takes `unsigned char **` but only reads the data buffers.
        let mut d: Vec<*mut u8> = data.iter().map(|d| d.as_ptr() as *mut u8).collect();
        let mut o: Vec<*mut u8> = out.iter_mut().map(|o| o.as_mut_ptr()).collect();
        let f = match isa {
            Isa::Auto => ec_encode_data,
            Isa::Sse => ec_encode_data_sse,
            Isa::Avx2 => ec_encode_data_avx2,
            Isa::Avx512 => ec_encode_data_avx512,
        };
        // SAFETY: k data pointers and `rows` output pointers, each valid for `len`
        // bytes (checked above); tables made by `ec_init_tables` for k × rows; the
        // CPU runs the chosen version (checked above).
        unsafe {
            f(
                len as c_int,
                self.k as c_int,
                self.rows as c_int,
                self.g.as_mut_ptr(),
                d.as_mut_ptr(),
                o.as_mut_ptr(),
            )
        };
    }
}
