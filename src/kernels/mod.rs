//! The data loops: every "dst = Σ c·src" of the code goes through [`dot`].
//!
//! A kernel set is picked once per process, the fastest the CPU supports, unless the
//! environment variable `ALGORITHM_FEC_KERNEL` names one (`scalar`, ...); tests use
//! that to run every path on one machine. The code layer never sees which one runs.

use std::sync::OnceLock;

use crate::gf::Field;

mod scalar;

/// The signature every kernel implements: `dsts[r] = Σ_j coeffs[r·m + j] · srcs[j]`
/// with `m = srcs.len()`, over one field; with `add`, the sum is XORed into what
/// `dsts[r]` holds instead. All slices have the same length (a whole number of
/// symbols); `coeffs.len() == dsts.len() · m`.
type DotFn = fn(coeffs: &[u16], srcs: &[&[u8]], dsts: &mut [&mut [u8]], add: bool);

/// One instruction set's implementation of the data loops.
#[derive(Clone, Copy)]
pub struct Kernel {
    name: &'static str,
    available: fn() -> bool,
    dot8: DotFn,
    dot16: DotFn,
}

impl Kernel {
    /// The name `ALGORITHM_FEC_KERNEL` knows it by.
    pub fn name(&self) -> &'static str {
        self.name
    }
}

/// All kernels compiled into this build, fastest first.
const KERNELS: &[Kernel] = &[Kernel {
    name: "scalar",
    available: || true,
    dot8: scalar::dot8,
    dot16: scalar::dot16,
}];

/// The names of the kernels this CPU can run, fastest first.
pub fn available() -> Vec<&'static str> {
    KERNELS
        .iter()
        .filter(|k| (k.available)())
        .map(|k| k.name)
        .collect()
}

/// The kernel in use. Panics at first use if `ALGORITHM_FEC_KERNEL` names a kernel
/// that does not exist or that this CPU cannot run: a test that asks for a path must
/// not silently get another.
pub fn active() -> &'static Kernel {
    static ACTIVE: OnceLock<Kernel> = OnceLock::new();
    ACTIVE.get_or_init(|| {
        let wanted = std::env::var("ALGORITHM_FEC_KERNEL").ok();
        match wanted.as_deref() {
            None | Some("") | Some("auto") => *KERNELS
                .iter()
                .find(|k| (k.available)())
                .expect("the scalar kernel is always available"),
            Some(name) => match KERNELS.iter().find(|k| k.name == name) {
                Some(k) if (k.available)() => *k,
                Some(_) => panic!("ALGORITHM_FEC_KERNEL={name}: this CPU cannot run it"),
                None => panic!(
                    "ALGORITHM_FEC_KERNEL={name}: unknown kernel (known: {})",
                    KERNELS
                        .iter()
                        .map(|k| k.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
        }
    })
}

/// `dsts[r] = Σ_j coeffs[r·srcs.len() + j] · srcs[j]` over `field` (XORed into
/// `dsts[r]` with `add`), in stripes so the sources stay in cache while every output
/// is produced.
///
/// The caller (the code layer) guarantees the shapes; they are re-checked in debug
/// builds only.
pub(crate) fn dot(field: Field, coeffs: &[u16], srcs: &[&[u8]], dsts: &mut [&mut [u8]], add: bool) {
    debug_assert_eq!(coeffs.len(), srcs.len() * dsts.len());
    let len = dsts.first().map_or(0, |d| d.len());
    debug_assert!(srcs.iter().all(|s| s.len() == len));
    debug_assert!(dsts.iter().all(|d| d.len() == len));
    debug_assert_eq!(len % field.symbol_bytes(), 0);
    if dsts.is_empty() || len == 0 {
        return;
    }
    let f = match field {
        Field::Gf8 => active().dot8,
        Field::Gf16 => active().dot16,
    };
    let stripe = stripe_len(srcs.len() + dsts.len());
    let mut start = 0;
    while start < len {
        let end = len.min(start + stripe);
        let s: Vec<&[u8]> = srcs.iter().map(|s| &s[start..end]).collect();
        let mut d: Vec<&mut [u8]> = dsts.iter_mut().map(|d| &mut d[start..end]).collect();
        f(coeffs, &s, &mut d, add);
        start = end;
    }
}

/// Bytes per stripe: the working set of all blocks of one stripe fits a typical
/// L2 (256 KiB), and a stripe is never shorter than 1 KiB.
fn stripe_len(blocks: usize) -> usize {
    ((256 * 1024 / blocks.max(1)) & !63).max(1024)
}
