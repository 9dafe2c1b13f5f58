//! The C ABI declared in `include/algorithm_fec.h`, over [`FecSession`]. It is what
//! the Perl XS shim calls.
//!
//! Every entry point runs under `catch_unwind`, so no panic unwinds into C, and
//! reports failure as a return code plus a thread-local message. Memory blocks are
//! borrowed for the duration of one call only (see the header).

// The C names are the ABI.
#![allow(non_camel_case_types)]

use std::cell::RefCell;
use std::ffi::{c_char, c_int, CString};
use std::fs::File;
use std::mem::ManuallyDrop;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::block::{Extent, Files, Region};
use crate::error::Error;
use crate::gf::Field;
use crate::session::{check_regions, Bytes, BytesMut, ExtBuf, FecSession, SessionError, Slot};

/// Success.
pub const AFEC_OK: c_int = 0;
/// A bad argument.
pub const AFEC_EINVAL: c_int = 1;
/// A call out of order.
pub const AFEC_ESTATE: c_int = 2;
/// A file region cannot be used (too short, not writable, no space ...), or writing
/// it failed.
pub const AFEC_EIO: c_int = 3;
/// A bug, caught.
pub const AFEC_EINTERNAL: c_int = 4;
/// A mapped file changed under the call (shrunk, or a page could not be
/// allocated): the call failed.
pub const AFEC_ECHANGED: c_int = 5;
/// Memory for the call cannot be allocated (an absurd block size or count).
pub const AFEC_ENOMEM: c_int = 6;

/// A block as C passes it: memory when `ptr` is not null, else a file region.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct afec_block {
    /// Memory block.
    pub ptr: *mut u8,
    /// Memory block length.
    pub len: usize,
    /// File descriptor of a file block.
    pub fd: c_int,
    /// Offset of a file block.
    pub offset: i64,
}

/// An Algorithm::FEC session, opaque to C.
pub struct afec_session(FecSession);

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

struct Fail(c_int, String);

impl From<SessionError> for Fail {
    fn from(e: SessionError) -> Fail {
        let code = match e {
            SessionError::Region { .. } | SessionError::Flush { .. } => AFEC_EIO,
            SessionError::FileChanged { .. } => AFEC_ECHANGED,
            SessionError::OutOfMemory { .. } => AFEC_ENOMEM,
            SessionError::NoEncodeBlocks
            | SessionError::HoldsDecodeBlocks
            | SessionError::NoDecodeBlocks => AFEC_ESTATE,
            _ => AFEC_EINVAL,
        };
        Fail(code, e.to_string())
    }
}

impl From<Error> for Fail {
    fn from(e: Error) -> Fail {
        Fail(AFEC_EINVAL, e.to_string())
    }
}

fn invalid(msg: impl Into<String>) -> Fail {
    Fail(AFEC_EINVAL, msg.into())
}

fn set_error(msg: &str) {
    let c = CString::new(msg.replace('\0', "\\0")).unwrap_or_default();
    LAST_ERROR.with(|e| *e.borrow_mut() = c);
}

/// Runs one entry point: its error or panic becomes a code and a message.
fn run(f: impl FnOnce() -> Result<(), Fail>) -> c_int {
    // A bad ALGORITHM_FEC_KERNEL or _PATH is the caller's error, reported before any work.
    let checked = || {
        crate::kernels::check_env().map_err(|e| invalid(e.to_string()))?;
        crate::code::check_path_env().map_err(|e| invalid(e.to_string()))?;
        f()
    };
    match catch_unwind(AssertUnwindSafe(checked)) {
        Ok(Ok(())) => {
            set_error("");
            AFEC_OK
        }
        Ok(Err(Fail(code, msg))) => {
            set_error(&msg);
            code
        }
        Err(payload) => {
            let why = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            set_error(&format!(
                "internal error in algorithm-fec, operation abandoned: {why}"
            ));
            AFEC_EINTERNAL
        }
    }
}

/// The session behind a pointer, or an error for NULL.
///
/// SAFETY (callers): a non-null `s` comes from `afec_session_new` and has not been
/// freed; the header requires one call at a time per session.
unsafe fn session<'a>(s: *mut afec_session) -> Result<&'a mut FecSession, Fail> {
    s.as_mut()
        .map(|s| &mut s.0)
        .ok_or_else(|| invalid("null session"))
}

/// The session behind a const pointer, or an error for NULL.
///
/// SAFETY (callers): as [`session`].
unsafe fn session_ref<'a>(s: *const afec_session) -> Result<&'a FecSession, Fail> {
    s.as_ref()
        .map(|s| &s.0)
        .ok_or_else(|| invalid("null session"))
}

/// Refuses a null array with `count > 0`, and a count no array can have (more than
/// `isize::MAX` bytes, which a slice must not span).
fn check_array<T>(null: bool, count: usize, what: &str) -> Result<(), Fail> {
    if count > isize::MAX as usize / std::mem::size_of::<T>().max(1) {
        Err(invalid(format!(
            "{what} array of {count} entries: too large"
        )))
    } else if null && count > 0 {
        Err(invalid(format!("null {what} array")))
    } else {
        Ok(())
    }
}

/// The C array `(ptr, count)` as a slice; NULL is allowed only for count 0.
///
/// SAFETY (callers): a non-null `ptr` points to `count` valid elements for the call.
unsafe fn array<'a, T>(ptr: *const T, count: usize, what: &str) -> Result<&'a [T], Fail> {
    check_array::<T>(ptr.is_null(), count, what)?;
    if count == 0 {
        Ok(&[])
    } else {
        Ok(std::slice::from_raw_parts(ptr, count))
    }
}

/// SAFETY (callers): as `array`, writable.
unsafe fn array_mut<'a, T>(ptr: *mut T, count: usize, what: &str) -> Result<&'a mut [T], Fail> {
    check_array::<T>(ptr.is_null(), count, what)?;
    if count == 0 {
        Ok(&mut [])
    } else {
        Ok(std::slice::from_raw_parts_mut(ptr, count))
    }
}

/// An empty vector with room for `count` entries, allocated fallibly: the count is
/// the caller's, so memory that cannot be had is an `AFEC_ENOMEM`, not an abort.
fn try_with_capacity<T>(count: usize) -> Result<Vec<T>, Fail> {
    let mut v = Vec::new();
    v.try_reserve_exact(count).map_err(|_| {
        Fail(
            AFEC_ENOMEM,
            format!(
                "out of memory: cannot allocate {count} entries of {} bytes",
                std::mem::size_of::<T>()
            ),
        )
    })?;
    Ok(v)
}

/// `items` collected into a vector allocated by [`try_with_capacity`].
fn try_collect<T>(items: impl Iterator<Item = T>) -> Result<Vec<T>, Fail> {
    // Every caller's iterator knows its exact length.
    let mut v = try_with_capacity(items.size_hint().0)?;
    v.extend(items);
    Ok(v)
}

/// A borrowed `File` for a descriptor; never closed (ManuallyDrop). A descriptor
/// that is not open makes the first syscall fail with EBADF, reported as an error.
fn borrow_fd(position: usize, b: &afec_block) -> Result<ManuallyDrop<File>, Fail> {
    if b.fd < 0 {
        return Err(invalid(format!(
            "block #{position}: invalid file descriptor {}",
            b.fd
        )));
    }
    // SAFETY: the C ABI's contract: the caller keeps the descriptor open during the call.
    unsafe { crate::sys::borrow_fd(b.fd) }
        .map_err(|e| invalid(format!("block #{position}: file descriptor {}: {e}", b.fd)))
}

fn offset(position: usize, b: &afec_block) -> Result<u64, Fail> {
    u64::try_from(b.offset)
        .map_err(|_| invalid(format!("block #{position}: negative offset {}", b.offset)))
}

/// A memory span of one call: (position, start, length, written by the call).
type Span = (usize, *const u8, usize, bool);

/// Refuses a written memory block that overlaps any other block of the call: the
/// call must never hold a writable view of bytes it also reads elsewhere. Blocks
/// that are only read may share bytes (Perl's equal strings share one buffer).
fn check_disjoint(spans: &[Span]) -> Result<(), Fail> {
    let mut spans = try_collect(
        spans
            .iter()
            .map(|&(i, p, l, w)| (p as usize, p as usize + l, i, w)),
    )?;
    spans.retain(|&(start, end, _, _)| start != 0 && end > start);
    spans.sort_unstable();
    // Sweep by start; remember the furthest-reaching read and written spans so far.
    let mut reach: [Option<(usize, usize)>; 2] = [None, None]; // (end, position)
    for &(start, end, i, w) in &spans {
        for (kind, r) in reach.iter().enumerate() {
            if let Some((r_end, j)) = *r {
                if start < r_end && (w || kind == 1) {
                    return Err(invalid(format!(
                        "blocks #{} and #{} overlap in memory, and one of them is written",
                        j.min(i),
                        j.max(i)
                    )));
                }
            }
        }
        let slot = &mut reach[usize::from(w)];
        if slot.is_none_or(|(e, _)| end > e) {
            *slot = Some((end, i));
        }
    }
    Ok(())
}

/// Makes the session's slot for a block at set time: memory stays with the caller
/// (passed again each call), files are mapped now.
fn slot(
    s: &FecSession,
    files: &mut Files,
    position: usize,
    b: &afec_block,
    write: bool,
) -> Result<Slot, Fail> {
    let bs = s.block_size();
    if !b.ptr.is_null() {
        if b.len != bs {
            return Err(SessionError::BlockSize {
                position,
                kind: "a string",
                got: b.len,
                expected: bs,
            }
            .into());
        }
        return Ok(Slot::External);
    }
    let file = borrow_fd(position, b)?;
    let off = offset(position, b)?;
    Region::map(files, &file, off, bs, write)
        .map(Slot::Mapped)
        .map_err(|source| SessionError::Region { position, source }.into())
}

/// The per-call memory of `blocks`; `write(p)` says which may be written.
///
/// SAFETY (callers): every non-null `ptr` is valid for `len` bytes for the call, and
/// writable where `write` says; blocks were checked disjoint.
unsafe fn ext<'a>(blocks: &[afec_block], write: impl Fn(usize) -> bool) -> Vec<ExtBuf<'a>> {
    blocks
        .iter()
        .enumerate()
        .map(|(p, b)| match (b.ptr.is_null(), write(p)) {
            (true, _) => ExtBuf::File,
            (false, false) => ExtBuf::Read(std::slice::from_raw_parts(b.ptr, b.len)),
            (false, true) => ExtBuf::Write(std::slice::from_raw_parts_mut(b.ptr, b.len)),
        })
        .collect()
}

/// The message of the last error on this thread.
#[no_mangle]
pub extern "C" fn afec_last_error() -> *const c_char {
    LAST_ERROR.with(|e| e.borrow().as_ptr())
}

/// Creates a session.
///
/// # Safety
/// `out` is a valid pointer to write the session pointer to.
#[no_mangle]
pub unsafe extern "C" fn afec_session_new(
    k: u32,
    n: u32,
    block_size: usize,
    field: c_int,
    out: *mut *mut afec_session,
) -> c_int {
    run(|| {
        let out = out.as_mut().ok_or_else(|| invalid("null output pointer"))?;
        let (k, n) = (k as usize, n as usize);
        let field = match field {
            0 => Field::for_blocks(n),
            8 => Field::Gf8,
            16 => Field::Gf16,
            f => return Err(invalid(format!("unknown field {f} (0, 8 or 16)"))),
        };
        let s = FecSession::with_field(k, n, block_size, field)?;
        *out = Box::into_raw(Box::new(afec_session(s)));
        Ok(())
    })
}

/// Frees a session.
///
/// # Safety
/// `s` is NULL or a session from `afec_session_new` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn afec_session_free(s: *mut afec_session) {
    if !s.is_null() {
        // Dropping unmaps; nothing in it can panic in a way worth catching, but keep
        // the promise anyway.
        let _ = catch_unwind(AssertUnwindSafe(|| drop(Box::from_raw(s))));
    }
}

/// k of a session (0 for NULL).
///
/// # Safety
/// `s` is NULL or a live session.
#[no_mangle]
pub unsafe extern "C" fn afec_session_k(s: *const afec_session) -> u32 {
    s.as_ref().map_or(0, |s| s.0.code().k() as u32)
}

/// n of a session (0 for NULL).
///
/// # Safety
/// `s` is NULL or a live session.
#[no_mangle]
pub unsafe extern "C" fn afec_session_n(s: *const afec_session) -> u32 {
    s.as_ref().map_or(0, |s| s.0.code().n() as u32)
}

/// Block size of a session (0 for NULL).
///
/// # Safety
/// `s` is NULL or a live session.
#[no_mangle]
pub unsafe extern "C" fn afec_session_block_size(s: *const afec_session) -> usize {
    s.as_ref().map_or(0, |s| s.0.block_size())
}

/// 8 or 16 (0 for NULL).
///
/// # Safety
/// `s` is NULL or a live session.
#[no_mangle]
pub unsafe extern "C" fn afec_session_field_bits(s: *const afec_session) -> c_int {
    s.as_ref().map_or(0, |s| s.0.code().field().bits() as c_int)
}

/// Sets the encode blocks (count 0 frees).
///
/// # Safety
/// `s` is a live session; `blocks` points to `count` blocks (see the header).
#[no_mangle]
pub unsafe extern "C" fn afec_set_encode_blocks(
    s: *mut afec_session,
    blocks: *const afec_block,
    count: usize,
) -> c_int {
    run(|| {
        let s = session(s)?;
        if count != 0 {
            s.code().check_count("blocks", count)?;
        }
        let blocks = array(blocks, count, "block")?;
        let mut files = Files::default();
        let slots = blocks
            .iter()
            .enumerate()
            .map(|(p, b)| slot(s, &mut files, p, b, false))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(s.set_encode_slots(slots)?)
    })
}

/// Encodes one block.
///
/// # Safety
/// `s` is a live session; `blocks` points to `count` blocks; `out` to `out_len`
/// writable bytes not overlapping any block.
#[no_mangle]
pub unsafe extern "C" fn afec_encode(
    s: *mut afec_session,
    index: u32,
    blocks: *const afec_block,
    count: usize,
    out: *mut u8,
    out_len: usize,
) -> c_int {
    let mut outs = [out];
    afec_encode_many(s, &index, 1, blocks, count, outs.as_mut_ptr(), out_len)
}

/// Encodes several blocks in one pass.
///
/// # Safety
/// `s` is a live session; `indices` has `nidx` entries, `outs` `nidx` pointers to
/// `out_len` writable bytes each, disjoint from each other and from the blocks.
#[no_mangle]
pub unsafe extern "C" fn afec_encode_many(
    s: *mut afec_session,
    indices: *const u32,
    nidx: usize,
    blocks: *const afec_block,
    count: usize,
    outs: *const *mut u8,
    out_len: usize,
) -> c_int {
    run(|| {
        let s = session(s)?;
        // State, counts and sizes before anything is read or allocated.
        s.encode_state()?;
        s.code().check_count("blocks", count)?;
        if out_len != s.block_size() {
            return Err(Error::OutputSize {
                expected: s.block_size(),
                got: out_len,
            }
            .into());
        }
        if nidx
            .checked_mul(out_len)
            .is_none_or(|t| t > isize::MAX as usize)
        {
            return Err(invalid(format!(
                "{nidx} outputs of {out_len} bytes cannot fit in memory"
            )));
        }
        // Room for the indices first: a count no memory can back fails here, before
        // the caller's array is looked at.
        let mut idx = try_with_capacity(nidx)?;
        idx.extend(array(indices, nidx, "index")?.iter().map(|&i| i as usize));
        let blocks = array(blocks, count, "block")?;
        let outs = array(outs, nidx, "output")?;
        if outs.iter().any(|o| o.is_null()) {
            return Err(invalid("null output buffer"));
        }
        let spans = try_collect(
            blocks
                .iter()
                .enumerate()
                .map(|(i, b)| (i, b.ptr as *const u8, b.len, false))
                .chain(
                    outs.iter()
                        .enumerate()
                        .map(|(i, &o)| (count + i, o as *const u8, out_len, true)),
                ),
        )?;
        check_disjoint(&spans)?;
        let ext = ext(blocks, |_| false);
        s.check_call_blocks(false, &ext)?;
        let mut outs = try_collect(
            outs.iter()
                .map(|&o| std::slice::from_raw_parts_mut(o, out_len)),
        )?;
        Ok(s.encode_with(&idx, &mut outs, &ext)?)
    })
}

/// Validates indices, computes SPEC's reordering; writes indices and perm back.
fn shuffle_into(
    s: &FecSession,
    indices: &mut [u32],
    perm: &mut [usize],
) -> Result<Vec<usize>, Fail> {
    let idx: Vec<usize> = indices.iter().map(|&i| i as usize).collect();
    let (p, reordered) = s.plan_decode(&idx)?;
    if perm.len() != p.len() {
        return Err(invalid("perm array has the wrong length"));
    }
    perm.copy_from_slice(&p);
    for (d, &r) in indices.iter_mut().zip(&reordered) {
        *d = r as u32;
    }
    Ok(reordered)
}

/// Reorders indices as Algorithm::FEC's shuffle.
///
/// # Safety
/// `s` is a live session; `indices` and `perm` point to `count` entries each.
#[no_mangle]
pub unsafe extern "C" fn afec_shuffle(
    s: *const afec_session,
    indices: *mut u32,
    perm: *mut usize,
    count: usize,
) -> c_int {
    run(|| {
        let s = session_ref(s)?;
        s.code().check_count("indices", count)?;
        let indices = array_mut(indices, count, "index")?;
        let perm = array_mut(perm, count, "perm")?;
        shuffle_into(s, indices, perm).map(drop)
    })
}

/// Sets the decode blocks and reorders.
///
/// # Safety
/// `s` is a live session; `blocks`, `indices`, `perm` point to `count` entries each.
#[no_mangle]
pub unsafe extern "C" fn afec_set_decode_blocks(
    s: *mut afec_session,
    blocks: *const afec_block,
    indices: *mut u32,
    perm: *mut usize,
    count: usize,
) -> c_int {
    run(|| {
        let s = session(s)?;
        let k = s.code().k();
        s.code().check_count("blocks", count)?;
        let blocks = array(blocks, count, "block")?;
        let indices = array_mut(indices, count, "index")?;
        let perm = array_mut(perm, count, "perm")?;
        // Validate and plan on copies: the caller's arrays change only on success.
        let mut idx = indices.to_vec();
        let mut p = vec![0usize; count];
        let reordered = shuffle_into(s, &mut idx, &mut p)?;
        let extents = blocks
            .iter()
            .enumerate()
            .filter(|(_, b)| b.ptr.is_null())
            .map(|(position, b)| {
                let file = borrow_fd(position, b)?;
                let written = indices[position] as usize >= k;
                Extent::of(
                    position,
                    &file,
                    offset(position, b)?,
                    s.block_size(),
                    written,
                )
                .map_err(|source| SessionError::Region { position, source }.into())
            })
            .collect::<Result<Vec<_>, Fail>>()?;
        check_regions(extents)?;
        // A block holding a check index is overwritten by decode.
        let mut files = Files::default();
        let mut slots = blocks
            .iter()
            .enumerate()
            .map(|(pos, b)| slot(s, &mut files, pos, b, indices[pos] as usize >= k).map(Some))
            .collect::<Result<Vec<_>, _>>()?;
        let slots = p
            .iter()
            .map(|&from| slots[from].take().expect("a permutation"))
            .collect();
        s.set_decode_slots(slots, reordered);
        indices.copy_from_slice(&idx);
        perm.copy_from_slice(&p);
        Ok(())
    })
}

/// Which positions decode writes.
///
/// # Safety
/// `s` is a live session; `targets` points to `count` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn afec_decode_targets(
    s: *const afec_session,
    targets: *mut u8,
    count: usize,
) -> c_int {
    run(|| {
        let s = session_ref(s)?;
        let t = s.decode_targets().ok_or(SessionError::NoDecodeBlocks)?;
        if t.len() != count {
            return Err(invalid("targets array has the wrong length"));
        }
        let out = array_mut(targets, count, "targets")?;
        for (o, t) in out.iter_mut().zip(t) {
            *o = u8::from(t);
        }
        Ok(())
    })
}

/// Decodes in place.
///
/// # Safety
/// `s` is a live session; `blocks` points to `count` blocks in reordered order; memory
/// targets are writable for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn afec_decode(
    s: *mut afec_session,
    blocks: *const afec_block,
    count: usize,
) -> c_int {
    run(|| {
        let s = session(s)?;
        let targets = s.decode_targets().ok_or(SessionError::NoDecodeBlocks)?;
        s.code().check_count("blocks", count)?;
        let blocks = array(blocks, count, "block")?;
        let spans: Vec<Span> = blocks
            .iter()
            .enumerate()
            .map(|(i, b)| (i, b.ptr as *const u8, b.len, targets[i]))
            .collect();
        check_disjoint(&spans)?;
        let mut ext = ext(blocks, |p| targets[p]);
        s.check_call_blocks(true, &ext)?;
        s.decode_with(&mut ext)?;
        s.end_decode();
        Ok(())
    })
}

/// Copies a block.
///
/// # Safety
/// `s` is a live session; `src`, `dst` point to blocks; a memory `dst` is writable.
#[no_mangle]
pub unsafe extern "C" fn afec_copy(
    s: *mut afec_session,
    src: *const afec_block,
    dst: *const afec_block,
) -> c_int {
    run(|| {
        let s = session(s)?;
        let src = src.as_ref().ok_or_else(|| invalid("null source block"))?;
        let dst = dst
            .as_ref()
            .ok_or_else(|| invalid("null destination block"))?;
        check_disjoint(&[(0, src.ptr, src.len, false), (1, dst.ptr, dst.len, true)])?;
        let (src_file, dst_file);
        let from = if src.ptr.is_null() {
            src_file = borrow_fd(0, src)?;
            Bytes::File(&src_file, offset(0, src)?)
        } else {
            Bytes::Memory(std::slice::from_raw_parts(src.ptr, src.len))
        };
        let to = if dst.ptr.is_null() {
            dst_file = borrow_fd(1, dst)?;
            BytesMut::File(&dst_file, offset(1, dst)?)
        } else {
            BytesMut::Memory(std::slice::from_raw_parts_mut(dst.ptr, dst.len))
        };
        Ok(s.copy_bytes(from, to)?)
    })
}
