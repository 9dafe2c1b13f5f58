//! A minimal binding of Intel ISA-L's erasure-code entry points (libisal, feature
//! `isal`), for the comparison benchmark and test. ISA-L's GF(2^8) uses the same
//! polynomial (0x11D), so given our coefficient rows it must produce our bytes.
#![allow(dead_code)]

use std::os::raw::c_int;

#[link(name = "isal")]
extern "C" {
    fn ec_init_tables(k: c_int, rows: c_int, a: *mut u8, gftbls: *mut u8);
    fn ec_encode_data(
        len: c_int,
        k: c_int,
        rows: c_int,
        gftbls: *mut u8,
        data: *mut *mut u8,
        coding: *mut *mut u8,
    );
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
        assert_eq!(data.len(), self.k);
        assert_eq!(out.len(), self.rows);
        let len = data[0].len();
        assert!(data.iter().all(|d| d.len() == len) && out.iter().all(|o| o.len() == len));
        // ISA-L takes `unsigned char **` but only reads the data buffers.
        let mut d: Vec<*mut u8> = data.iter().map(|d| d.as_ptr() as *mut u8).collect();
        let mut o: Vec<*mut u8> = out.iter_mut().map(|o| o.as_mut_ptr()).collect();
        // SAFETY: k data pointers and `rows` output pointers, each valid for `len`
        // bytes (checked above); tables made by `ec_init_tables` for k × rows.
        unsafe {
            ec_encode_data(
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
