//! Intel ISA-L 2.30's erasure-code and GF(2^8) C ABI on the algorithm-fec kernels,
//! built as `libisal.so.2` (soname `libisal.so.2`): a drop-in for programs that link
//! or dlopen Intel's library for these functions (liberasurecode/PyECLib, Hadoop's
//! native coder, C programs). See docs/isal-abi.md.
//!
//! Signatures, table layouts and results are ISA-L's (`erasure_code.h`,
//! `gf_vect_mul.h`); the field is the same (0x11D). Where ISA-L would crash or write
//! outside the caller's buffers (NULL pointers, negative lengths, `m < k` matrices)
//! these functions return without touching memory, at the cost of a compare. No
//! panic crosses the boundary: every entry point runs under `catch_unwind`.
//!
//! The 32-byte table of a coefficient is ISA-L's `gf_vect_mul_init` form (products
//! by every low and every high nibble), which is also the form the core's shuffle
//! kernels multiply with; the loops read the coefficient back from byte 1 (c·1) and
//! the core prepares it for the kernel that runs.

use std::ffi::{c_int, c_uchar, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};

mod dot;
mod gf;

/// Bytes per coefficient in ISA-L's tables.
const SLOT: usize = 32;

/// `f()`, or `failed` if it panicked (it should not: the shapes are built here), so
/// that no unwinding reaches C.
fn guard<T>(failed: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(failed)
}

/// A C length or count as usize; `None` if negative.
fn count(n: c_int) -> Option<usize> {
    usize::try_from(n).ok()
}

/// The coefficients of `n` tables, the `slot(i)`-th for i in 0..n.
///
/// # Safety
/// `tables` is valid for reading `SLOT · (slot(i) + 1)` bytes for every i.
unsafe fn coefficients(tables: *const u8, n: usize, slot: impl Fn(usize) -> usize) -> Vec<u8> {
    // SAFETY: as the caller promises.
    (0..n)
        .map(|i| unsafe { *tables.add(SLOT * slot(i) + 1) })
        .collect()
}

/// `n` blocks of `len` bytes from a C array of `n` pointers; `None` if a pointer is
/// NULL.
///
/// # Safety
/// `ptrs` is valid for reading `n` pointers, each non-NULL one valid for reading
/// `len` bytes and not written through elsewhere while the blocks live.
unsafe fn blocks<'a>(ptrs: *const *const u8, n: usize, len: usize) -> Option<Vec<&'a [u8]>> {
    (0..n)
        .map(|i| {
            // SAFETY: i < n, as the caller promises.
            let p = unsafe { *ptrs.add(i) };
            // SAFETY: non-NULL and valid for len bytes, as the caller promises.
            (!p.is_null()).then(|| unsafe { std::slice::from_raw_parts(p, len) })
        })
        .collect()
}

/// [`blocks`] to write.
///
/// # Safety
/// As [`blocks`], and every block valid for writing and overlapping no other block
/// of the call.
unsafe fn blocks_mut<'a>(ptrs: *const *mut u8, n: usize, len: usize) -> Option<Vec<&'a mut [u8]>> {
    (0..n)
        .map(|i| {
            // SAFETY: i < n, as the caller promises.
            let p = unsafe { *ptrs.add(i) };
            // SAFETY: non-NULL, valid and not aliased, as the caller promises.
            (!p.is_null()).then(|| unsafe { std::slice::from_raw_parts_mut(p, len) })
        })
        .collect()
}

/// `coding[r] = Σ_j c(r, j) · data[j]` for r < rows, j < k, with c(r, j) from table
/// r·k + j: ec_encode_data, its base version and gf_vect_dot_prod. A sum of no
/// sources (k ≤ 0) is zero, as ISA-L's base loop makes it.
///
/// # Safety
/// ISA-L's contract for ec_encode_data: `tables` holds 32·k·rows bytes from
/// ec_init_tables (or gf_vect_mul_init per coefficient); `data` holds k pointers to
/// `len` readable bytes each and `coding` rows pointers to `len` writable bytes each,
/// no output overlapping another buffer of the call. Any of them may be NULL here.
unsafe fn encode(
    len: c_int,
    k: c_int,
    rows: c_int,
    tables: *const u8,
    data: *const *const u8,
    coding: *const *mut u8,
) {
    let (Some(len), Some(rows)) = (count(len), count(rows)) else {
        return;
    };
    let k = count(k).unwrap_or(0);
    let missing = coding.is_null() || (k > 0 && (tables.is_null() || data.is_null()));
    if len == 0 || rows == 0 || missing {
        return;
    }
    let Some(n) = k.checked_mul(rows) else {
        return;
    };
    // SAFETY: the caller's contract above.
    unsafe {
        let coeffs = coefficients(tables, n, |i| i);
        let (Some(srcs), Some(mut dsts)) = (blocks(data, k, len), blocks_mut(coding, rows, len))
        else {
            return;
        };
        dot::dot(&coeffs, &srcs, &mut dsts, false);
    }
}

/// `coding[r] ⊕= c(r) · data` for r < rows, with c(r) from table r·k + vec_i:
/// ec_encode_data_update and gf_vect_mad.
///
/// # Safety
/// ISA-L's contract for ec_encode_data_update: `tables` is valid for the tables
/// r·k + vec_i (32·k·rows bytes from ec_init_tables when vec_i < k), `data` for
/// reading `len` bytes, `coding` holds rows pointers to `len` writable bytes each,
/// none overlapping another buffer of the call. Any of them may be NULL here.
unsafe fn update(
    len: c_int,
    k: usize,
    rows: c_int,
    vec_i: c_int,
    tables: *const u8,
    data: *const u8,
    coding: *const *mut u8,
) {
    let (Some(len), Some(rows), Some(vec_i)) = (count(len), count(rows), count(vec_i)) else {
        return;
    };
    if len == 0 || rows == 0 || tables.is_null() || data.is_null() || coding.is_null() {
        return;
    }
    if k.checked_mul(rows)
        .and_then(|n| n.checked_add(vec_i))
        .is_none()
    {
        return;
    }
    // SAFETY: the caller's contract above.
    unsafe {
        let coeffs = coefficients(tables, rows, |r| r * k + vec_i);
        let src = std::slice::from_raw_parts(data, len);
        let Some(mut dsts) = blocks_mut(coding, rows, len) else {
            return;
        };
        dot::dot(&coeffs, &[src], &mut dsts, true);
    }
}

/// Fills `32·k·rows` bytes of `gftbls` with the tables of the `k·rows` coefficients
/// of `a` (row-major, `rows` rows of `k`).
///
/// # Safety
/// ISA-L's contract: `a` holds k·rows coefficients, `gftbls` 32·k·rows writable
/// bytes. NULL pointers or k, rows ≤ 0 do nothing.
#[no_mangle]
pub unsafe extern "C" fn ec_init_tables(
    k: c_int,
    rows: c_int,
    a: *const c_uchar,
    gftbls: *mut c_uchar,
) {
    guard((), || {
        let (Some(k), Some(rows)) = (count(k), count(rows)) else {
            return;
        };
        let Some(n) = k.checked_mul(rows) else {
            return;
        };
        if n == 0 || a.is_null() || gftbls.is_null() {
            return;
        }
        // SAFETY: sizes as the caller promises.
        let (a, out) = unsafe {
            (
                std::slice::from_raw_parts(a, n),
                std::slice::from_raw_parts_mut(gftbls, SLOT * n),
            )
        };
        for (&c, t) in a.iter().zip(out.chunks_exact_mut(SLOT)) {
            t.copy_from_slice(&gf::table(c));
        }
    })
}

/// Encodes (or, with a decode matrix's tables, decodes): `coding[r] = Σ_j a[r][j] ·
/// data[j]` over `len` bytes, the coefficients from ec_init_tables.
///
/// # Safety
/// ISA-L's contract: `gftbls` holds 32·k·rows bytes from ec_init_tables, `data` k
/// pointers to `len` readable bytes, `coding` rows pointers to `len` writable bytes,
/// no output overlapping another buffer. NULL pointers do nothing (ISA-L crashes);
/// k ≤ 0 zeroes the outputs (as ISA-L's portable version; its SIMD version crashed
/// at 64 bytes).
#[no_mangle]
pub unsafe extern "C" fn ec_encode_data(
    len: c_int,
    k: c_int,
    rows: c_int,
    gftbls: *const c_uchar,
    data: *const *const c_uchar,
    coding: *const *mut c_uchar,
) {
    // SAFETY: the caller's contract, the same as encode's.
    guard((), || unsafe { encode(len, k, rows, gftbls, data, coding) })
}

/// [`ec_encode_data`] under ISA-L's name of its portable version (the same results).
///
/// # Safety
/// As [`ec_encode_data`].
#[no_mangle]
pub unsafe extern "C" fn ec_encode_data_base(
    len: c_int,
    srcs: c_int,
    dests: c_int,
    v: *const c_uchar,
    src: *const *const c_uchar,
    dest: *const *mut c_uchar,
) {
    // SAFETY: the caller's contract, the same as encode's.
    guard((), || unsafe { encode(len, srcs, dests, v, src, dest) })
}

/// Adds source `vec_i`'s share to every output: `coding[r] ⊕= a[r][vec_i] · data`.
/// Called once per source, in any order, from zeroed outputs, it gives
/// [`ec_encode_data`]'s result.
///
/// # Safety
/// ISA-L's contract: `g_tbls` holds 32·k·rows bytes from ec_init_tables (the table
/// of row r and source vec_i is at 32·(r·k + vec_i), which ISA-L reads whatever
/// vec_i is), `data` `len` readable bytes, `coding` rows pointers to `len` writable
/// bytes, no output overlapping another buffer. NULL pointers or negative arguments
/// do nothing.
#[no_mangle]
pub unsafe extern "C" fn ec_encode_data_update(
    len: c_int,
    k: c_int,
    rows: c_int,
    vec_i: c_int,
    g_tbls: *const c_uchar,
    data: *const c_uchar,
    coding: *const *mut c_uchar,
) {
    let Some(k) = count(k) else { return };
    // SAFETY: the caller's contract, the same as update's.
    guard((), || unsafe {
        update(len, k, rows, vec_i, g_tbls, data, coding)
    })
}

/// `dest = Σ_j c_j · src[j]` over `len` bytes, c_j from table j of `gftbls`.
///
/// # Safety
/// ISA-L's contract: `gftbls` holds 32·vlen bytes of tables, `src` vlen pointers to
/// `len` readable bytes, `dest` `len` writable bytes overlapping none of them.
/// ISA-L asks for len ≥ 32 (on an AVX-512 CPU it wrote nothing below); any length
/// works here. vlen ≤ 0 zeroes `dest`.
#[no_mangle]
pub unsafe extern "C" fn gf_vect_dot_prod(
    len: c_int,
    vlen: c_int,
    gftbls: *const c_uchar,
    src: *const *const c_uchar,
    dest: *mut c_uchar,
) {
    let coding = [dest];
    let coding = match dest.is_null() {
        true => std::ptr::null(),
        false => coding.as_ptr(),
    };
    // SAFETY: the caller's contract, the same as encode's with one output.
    guard((), || unsafe { encode(len, vlen, 1, gftbls, src, coding) })
}

/// `dest ⊕= c · src` over `len` bytes, c from table `vec_i` of `gftbls`; `src` may
/// be `dest` itself.
///
/// # Safety
/// ISA-L's contract: `gftbls` holds 32·vec bytes of tables (vec_i < vec), `src` and
/// `dest` `len` bytes each, readable and writable, the same or not overlapping. ISA-L
/// asks for len ≥ 64 (on an AVX-512 CPU it wrote nothing below); any length works
/// here.
#[no_mangle]
pub unsafe extern "C" fn gf_vect_mad(
    len: c_int,
    vec: c_int,
    vec_i: c_int,
    gftbls: *const c_uchar,
    src: *const c_uchar,
    dest: *mut c_uchar,
) {
    let _ = vec; // One output: the tables' row stride does not matter.
    guard((), || {
        if std::ptr::eq(src, dest) {
            let (Some(n), Some(i)) = (count(len), count(vec_i)) else {
                return;
            };
            if n > 0 && !gftbls.is_null() && !dest.is_null() {
                // SAFETY: the caller's contract: table vec_i and `len` bytes of dest.
                let (c, block) = unsafe {
                    (
                        coefficients(gftbls, 1, |_| i)[0],
                        std::slice::from_raw_parts_mut(dest, n),
                    )
                };
                // d ⊕ c·d = (1 ⊕ c)·d.
                dot::scale_in_place(c ^ 1, block);
            }
            return;
        }
        let coding = [dest];
        let coding = match dest.is_null() {
            true => std::ptr::null(),
            false => coding.as_ptr(),
        };
        // SAFETY: the caller's contract, the same as update's with one output.
        unsafe { update(len, 0, 1, vec_i, gftbls, src, coding) }
    })
}

/// Writes the 32-byte table of `c` that ISA-L documents: c·{00}, …, c·{0f}, then
/// c·{00}, c·{10}, …, c·{f0}.
///
/// # Safety
/// `gftbl` is valid for writing 32 bytes (NULL does nothing).
#[no_mangle]
pub unsafe extern "C" fn gf_vect_mul_init(c: c_uchar, gftbl: *mut c_uchar) {
    guard((), || {
        if !gftbl.is_null() {
            // SAFETY: 32 writable bytes, as the caller promises.
            unsafe { std::slice::from_raw_parts_mut(gftbl, SLOT) }.copy_from_slice(&gf::table(c));
        }
    })
}

/// `dest = c · src` over `len` bytes, c from the 32-byte table `gftbl`; `src` may be
/// `dest`. Returns 0 when len is a positive multiple of 32 (the lengths ISA-L's
/// header allows), else what ISA-L 2.30 returns: how far its 32-byte steps (at least
/// one) went past `len`. The `len` bytes are written either way, as ISA-L does; it
/// also writes up to that many bytes past them, which this does not.
///
/// # Safety
/// ISA-L's contract: `gftbl` holds a table from gf_vect_mul_init, `src` and `dest`
/// `len` bytes each, the same or not overlapping (ISA-L also wants them 32-byte
/// aligned, which this does not need). NULL pointers and negative lengths return -1
/// without writing (ISA-L crashes).
#[no_mangle]
pub unsafe extern "C" fn gf_vect_mul(
    len: c_int,
    gftbl: *const c_uchar,
    src: *const c_void,
    dest: *mut c_void,
) -> c_int {
    guard(-1, || {
        let Some(n) = count(len) else { return -1 };
        // SAFETY: the caller's contract above.
        if unsafe { !multiply(n, gftbl, src.cast(), dest.cast()) } {
            return -1;
        }
        // At most 32 for a c_int len: it fits.
        (n.max(1).next_multiple_of(32) - n) as c_int
    })
}

/// `dest = c · src` over `n` bytes, c from `gftbl`; false (nothing written) if a
/// pointer is NULL.
///
/// # Safety
/// As [`gf_vect_mul`] for `n` bytes.
unsafe fn multiply(n: usize, gftbl: *const u8, src: *const u8, dest: *mut u8) -> bool {
    if gftbl.is_null() || src.is_null() || dest.is_null() {
        return false;
    }
    // SAFETY: the caller's contract.
    unsafe {
        let c = coefficients(gftbl, 1, |_| 0)[0];
        let out = std::slice::from_raw_parts_mut(dest, n);
        if std::ptr::eq(src, dest) {
            dot::scale_in_place(c, out);
        } else if n > 0 {
            let src = std::slice::from_raw_parts(src, n);
            dot::dot(&[c], &[src], &mut [out], false);
        }
    }
    true
}

/// ISA-L's portable `gf_vect_mul`: `dest = c · src` over `len` bytes, any length
/// (its header asks for multiples of 32; ISA-L 2.30's version writes any positive
/// length and returns nothing).
///
/// # Safety
/// As [`gf_vect_mul`]; NULL pointers or len ≤ 0 do nothing (ISA-L crashes on NULL).
#[no_mangle]
pub unsafe extern "C" fn gf_vect_mul_base(
    len: c_int,
    a: *const c_uchar,
    src: *const c_uchar,
    dest: *mut c_uchar,
) {
    guard((), || {
        if let Some(n) = count(len) {
            // SAFETY: the caller's contract above.
            unsafe { multiply(n, a, src, dest) };
        }
    })
}

/// [`gf_vect_dot_prod`] under ISA-L's name of its portable version (the same
/// results).
///
/// # Safety
/// As [`gf_vect_dot_prod`].
#[no_mangle]
pub unsafe extern "C" fn gf_vect_dot_prod_base(
    len: c_int,
    vlen: c_int,
    v: *const c_uchar,
    src: *const *const c_uchar,
    dest: *mut c_uchar,
) {
    // SAFETY: the same contract.
    unsafe { gf_vect_dot_prod(len, vlen, v, src, dest) }
}

/// [`gf_vect_mad`] under ISA-L's name of its portable version (the same results).
///
/// # Safety
/// As [`gf_vect_mad`].
#[no_mangle]
pub unsafe extern "C" fn gf_vect_mad_base(
    len: c_int,
    vec: c_int,
    vec_i: c_int,
    v: *const c_uchar,
    src: *const c_uchar,
    dest: *mut c_uchar,
) {
    // SAFETY: the same contract.
    unsafe { gf_vect_mad(len, vec, vec_i, v, src, dest) }
}

/// [`ec_encode_data_update`] under ISA-L's name of its portable version (the same
/// results).
///
/// # Safety
/// As [`ec_encode_data_update`].
#[no_mangle]
pub unsafe extern "C" fn ec_encode_data_update_base(
    len: c_int,
    k: c_int,
    rows: c_int,
    vec_i: c_int,
    v: *const c_uchar,
    data: *const c_uchar,
    dest: *const *mut c_uchar,
) {
    // SAFETY: the same contract.
    unsafe { ec_encode_data_update(len, k, rows, vec_i, v, data, dest) }
}

/// a·b in GF(2^8).
#[no_mangle]
pub extern "C" fn gf_mul(a: c_uchar, b: c_uchar) -> c_uchar {
    guard(0, || gf::mul(a, b))
}

/// 1/a in GF(2^8); 0 for 0.
#[no_mangle]
pub extern "C" fn gf_inv(a: c_uchar) -> c_uchar {
    guard(0, || gf::inv(a))
}

/// The `m`×`k` row-major matrix `a`, slice by slice, for the generator functions.
///
/// # Safety
/// `a` is valid for writing m·k bytes or NULL.
unsafe fn matrix<'a>(a: *mut c_uchar, m: c_int, k: c_int) -> Option<&'a mut [u8]> {
    let (m, k) = (count(m)?, count(k)?);
    let n = m.checked_mul(k)?;
    // SAFETY: m·k writable bytes, as the caller promises.
    (n > 0 && !a.is_null()).then(|| unsafe { std::slice::from_raw_parts_mut(a, n) })
}

/// ISA-L's Vandermonde generator: `m` rows of `k`, the identity above, then rows
/// 1, g, g², … with g = 2^(i−k) for row i.
///
/// # Safety
/// `a` is valid for writing m·k bytes (only those are written; ISA-L writes k·k when
/// m < k). NULL or m, k ≤ 0 do nothing.
#[no_mangle]
pub unsafe extern "C" fn gf_gen_rs_matrix(a: *mut c_uchar, m: c_int, k: c_int) {
    // SAFETY: as the caller promises.
    guard((), || {
        if let Some(a) = unsafe { matrix(a, m, k) } {
            gf::rs_matrix(a, m as usize, k as usize);
        }
    })
}

/// ISA-L's Cauchy generator: `m` rows of `k`, the identity above, then 1/(i ⊕ j).
///
/// # Safety
/// As [`gf_gen_rs_matrix`].
#[no_mangle]
pub unsafe extern "C" fn gf_gen_cauchy1_matrix(a: *mut c_uchar, m: c_int, k: c_int) {
    // SAFETY: as the caller promises.
    guard((), || {
        if let Some(a) = unsafe { matrix(a, m, k) } {
            gf::cauchy_matrix(a, m as usize, k as usize);
        }
    })
}

/// Inverts the n×n matrix `in_mat` into `out_mat`, destroying `in_mat`; 0 on
/// success, -1 if it is singular (both left as ISA-L leaves them).
///
/// # Safety
/// ISA-L's contract: `in_mat` and `out_mat` are distinct n·n-byte matrices,
/// readable and writable. n ≤ 0 returns 0 and NULL pointers -1, writing nothing.
#[no_mangle]
pub unsafe extern "C" fn gf_invert_matrix(
    in_mat: *mut c_uchar,
    out_mat: *mut c_uchar,
    n: c_int,
) -> c_int {
    guard(-1, || {
        let Some(n) = count(n).filter(|&n| n > 0) else {
            return 0;
        };
        let Some(size) = n.checked_mul(n) else {
            return -1;
        };
        if in_mat.is_null() || out_mat.is_null() || std::ptr::eq(in_mat, out_mat) {
            return -1;
        }
        // SAFETY: two distinct n·n-byte matrices, as the caller promises.
        let (a, out) = unsafe {
            (
                std::slice::from_raw_parts_mut(in_mat, size),
                std::slice::from_raw_parts_mut(out_mat, size),
            )
        };
        match gf::invert(a, out, n) {
            Ok(()) => 0,
            Err(gf::Singular) => -1,
        }
    })
}
