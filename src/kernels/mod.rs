//! The data loops: every "dst = Σ c·src" of the code goes through one function, `dot`
//! (or `Prepared`, for coefficients made ready once for many short calls: products
//! and the butterflies of the convolution path's transforms).
//!
//! A kernel set is picked once per process, the fastest the CPU supports, unless the
//! environment variable `ALGORITHM_FEC_KERNEL` names one; tests use that to run every
//! path on one machine. The code layer never sees which one runs.
//!
//! | name | needs | method |
//! |---|---|---|
//! | `gfni` | AVX-512F/BW + GFNI | GF2P8AFFINEQB, 512-bit |
//! | `avx512` | AVX-512F/BW | split-nibble PSHUFB tables, 512-bit |
//! | `gfni256` | AVX2 + GFNI | GF2P8AFFINEQB, 256-bit |
//! | `avx2` | AVX2 | split-nibble PSHUFB tables, 256-bit |
//! | `ssse3` | SSSE3 | split-nibble PSHUFB tables, 128-bit |
//! | `neon` | aarch64 NEON | split-nibble TBL tables, 128-bit |
//! | `scalar` | — | 256-entry product tables |
//!
//! Every SIMD kernel makes all outputs of a call in as few passes over the sources as
//! the registers allow (up to 8 outputs per pass), see `simd.rs`. With the cargo
//! feature `parallel`, big calls are also cut by length across threads (see
//! `set_threads`); the bytes written do not depend on the thread count.

use std::any::Any;
use std::sync::OnceLock;

use crate::gf::Field;

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;
#[cfg(target_arch = "x86_64")]
mod gfni;
#[cfg(target_arch = "aarch64")]
mod neon;
mod scalar;
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
mod simd;
#[cfg(target_arch = "x86_64")]
mod ssse3;

/// The signature every kernel implements: `dsts[r] = Σ_j coeffs[r·m + j] · srcs[j]`
/// with `m = srcs.len()`, over one field; with `add`, the sum is XORed into what
/// `dsts[r]` holds instead. All slices have the same length (a whole number of
/// symbols); `coeffs.len() == dsts.len() · m`.
type DotFn = fn(coeffs: &[u16], srcs: &[&[u8]], dsts: &mut [&mut [u8]], add: bool);

/// A kernel's form of some coefficients, each for products with the sides in its
/// forms, made once for many [`Prepared`] calls.
type PrepareFn = fn(field: Field, coeffs: &[(u16, Forms)]) -> Box<dyn Any + Send + Sync>;

/// `dst (⊕)= Σ_k p.coeffs[at + k] · srcs[k]`, see [`Prepared::dot`].
type DotPreparedFn =
    fn(p: &Prepared, at: usize, srcs: &[&[u8]], dst: &mut [u8], add: bool, forms: Forms);

/// Which sides of a product are plain blocks, and which in the kernels' own form of
/// GF(2^16) blocks (see [`Prepared`]).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Forms {
    /// Both plain: [`dot`].
    Plain,
    /// Neither: [`Prepared::dot`].
    Kernel,
    /// The sources ([`Prepared::load_scaled`]).
    PlainSources,
    /// The output ([`Prepared::store_scaled`]).
    PlainOutput,
}

/// A butterfly, see [`Prepared::fly`].
type FlyFn = fn(p: &Prepared, at: usize, u: &mut [u8], v: &mut [u8], mul_first: bool);

/// A butterfly from one run into another, see [`Prepared::fly_from`].
type FlyFromFn = fn(p: &Prepared, at: usize, src: &[u8], dst: &mut [u8]);

/// Two layers of butterflies, see [`Prepared::fly2`].
type Fly2Fn = fn(p: &Prepared, at: [usize; 3], x: &mut [u8], mul_first: bool);

/// One instruction set's implementation of the data loops.
#[derive(Clone, Copy)]
pub struct Kernel {
    name: &'static str,
    available: fn() -> bool,
    dot8: DotFn,
    dot16: DotFn,
    prepare: PrepareFn,
    dot_prepared: DotPreparedFn,
    fly: FlyFn,
    fly2: Fly2Fn,
    fly_from: FlyFromFn,
}

impl Kernel {
    /// The name `ALGORITHM_FEC_KERNEL` knows it by.
    pub fn name(&self) -> &'static str {
        self.name
    }
}

/// All kernels compiled into this build, fastest first (the x86 ones measured on
/// Zen 4; the order only matters where a CPU has several).
const KERNELS: &[Kernel] = &[
    #[cfg(target_arch = "x86_64")]
    Kernel {
        name: "gfni",
        available: gfni::available,
        dot8: gfni::dot8,
        dot16: gfni::dot16,
        prepare: gfni::prepare,
        dot_prepared: gfni::dot_prepared,
        fly: gfni::fly,
        fly2: gfni::fly2,
        fly_from: gfni::fly_from,
    },
    #[cfg(target_arch = "x86_64")]
    Kernel {
        name: "avx512",
        available: avx512::available,
        dot8: avx512::dot8,
        dot16: avx512::dot16,
        prepare: avx512::prepare,
        dot_prepared: avx512::dot_prepared,
        fly: avx512::fly,
        fly2: avx512::fly2,
        fly_from: avx512::fly_from,
    },
    #[cfg(target_arch = "x86_64")]
    Kernel {
        name: "gfni256",
        available: gfni::available256,
        dot8: gfni::w256::dot8,
        dot16: gfni::w256::dot16,
        prepare: gfni::w256::prepare,
        dot_prepared: gfni::w256::dot_prepared,
        fly: gfni::w256::fly,
        fly2: gfni::w256::fly2,
        fly_from: gfni::w256::fly_from,
    },
    #[cfg(target_arch = "x86_64")]
    Kernel {
        name: "avx2",
        available: avx2::available,
        dot8: avx2::dot8,
        dot16: avx2::dot16,
        prepare: avx2::prepare,
        dot_prepared: avx2::dot_prepared,
        fly: avx2::fly,
        fly2: avx2::fly2,
        fly_from: avx2::fly_from,
    },
    #[cfg(target_arch = "x86_64")]
    Kernel {
        name: "ssse3",
        available: ssse3::available,
        dot8: ssse3::dot8,
        dot16: ssse3::dot16,
        prepare: ssse3::prepare,
        dot_prepared: ssse3::dot_prepared,
        fly: ssse3::fly,
        fly2: ssse3::fly2,
        fly_from: ssse3::fly_from,
    },
    #[cfg(target_arch = "aarch64")]
    Kernel {
        name: "neon",
        available: neon::available,
        dot8: neon::dot8,
        dot16: neon::dot16,
        prepare: neon::prepare,
        dot_prepared: neon::dot_prepared,
        fly: neon::fly,
        fly2: neon::fly2,
        fly_from: neon::fly_from,
    },
    Kernel {
        name: "scalar",
        available: || true,
        dot8: |c, s, d, add| striped(scalar::dot8, c, s, d, add),
        dot16: |c, s, d, add| striped(scalar::dot16, c, s, d, add),
        prepare: |_, _| Box::new(()),
        dot_prepared: |p, at, s, d, add, _| {
            let f = match p.field {
                Field::Gf8 => scalar::dot8,
                Field::Gf16 => scalar::dot16,
            };
            f(&p.coeffs[at..at + s.len()], s, &mut [d], add)
        },
        // The scalar kernel's own form is the plain one.
        fly: |p, at, u, v, mul_first| scalar::fly(p.field, p.coeffs[at], u, v, mul_first),
        fly2: |p, at, x, mul_first| scalar::fly2(p.field, at.map(|a| p.coeffs[a]), x, mul_first),
        fly_from: |p, at, src, dst| scalar::fly_from(p.field, p.coeffs[at], src, dst),
    },
];

/// The names of the kernels this CPU can run, fastest first.
pub fn available() -> Vec<&'static str> {
    KERNELS
        .iter()
        .filter(|k| (k.available)())
        .map(|k| k.name)
        .collect()
}

/// Why `ALGORITHM_FEC_KERNEL` cannot be honoured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KernelEnvError {
    /// The value names no kernel of this build.
    #[error("ALGORITHM_FEC_KERNEL={name}: unknown kernel (valid values: auto, {valid})")]
    Unknown {
        /// The value given.
        name: String,
        /// The kernels this CPU can run, comma-separated.
        valid: String,
    },
    /// The kernel exists but this CPU lacks its instructions.
    #[error("ALGORITHM_FEC_KERNEL={name}: this CPU cannot run it (valid values: auto, {valid})")]
    Unavailable {
        /// The value given.
        name: String,
        /// The kernels this CPU can run, comma-separated.
        valid: String,
    },
    /// The value is not UTF-8.
    #[error("ALGORITHM_FEC_KERNEL is not valid UTF-8 (valid values: auto, {valid})")]
    NotUnicode {
        /// The kernels this CPU can run, comma-separated.
        valid: String,
    },
}

/// The kernel `ALGORITHM_FEC_KERNEL` asks for: the fastest available when it is
/// unset, empty or `auto`.
fn from_env() -> Result<Kernel, KernelEnvError> {
    let valid = || available().join(", ");
    let wanted = match std::env::var("ALGORITHM_FEC_KERNEL") {
        Ok(v) => v,
        Err(std::env::VarError::NotPresent) => String::new(),
        Err(std::env::VarError::NotUnicode(_)) => {
            return Err(KernelEnvError::NotUnicode { valid: valid() })
        }
    };
    if wanted.is_empty() || wanted == "auto" {
        return Ok(*KERNELS
            .iter()
            .find(|k| (k.available)())
            .expect("the scalar kernel is always available"));
    }
    match KERNELS.iter().find(|k| k.name == wanted) {
        Some(k) if (k.available)() => Ok(*k),
        Some(_) => Err(KernelEnvError::Unavailable {
            name: wanted,
            valid: valid(),
        }),
        None => Err(KernelEnvError::Unknown {
            name: wanted,
            valid: valid(),
        }),
    }
}

/// The kernel `ALGORITHM_FEC_KERNEL` selects, decided once per process.
fn chosen() -> &'static Result<Kernel, KernelEnvError> {
    static CHOSEN: OnceLock<Result<Kernel, KernelEnvError>> = OnceLock::new();
    CHOSEN.get_or_init(from_env)
}

/// Checks `ALGORITHM_FEC_KERNEL` without using a kernel: programs and the C ABI call
/// it to report a bad value as an error instead of the panic of [`active`]. Returns
/// the name of the kernel that will run.
pub fn check_env() -> Result<&'static str, KernelEnvError> {
    chosen().as_ref().map(|k| k.name).map_err(Clone::clone)
}

/// The kernel in use. Panics at first use, with [`KernelEnvError`]'s message, if
/// `ALGORITHM_FEC_KERNEL` names a kernel that does not exist or that this CPU cannot
/// run: a test that asks for a path must not silently get another (see
/// [`check_env`] to report it as an error instead).
pub fn active() -> &'static Kernel {
    chosen().as_ref().unwrap_or_else(|e| panic!("{e}"))
}

/// `dsts[r] = Σ_j coeffs[r·srcs.len() + j] · srcs[j]` over `field` (XORed into
/// `dsts[r]` with `add`), with the active kernel.
///
/// The caller (the code layer) guarantees the shapes; they are re-checked in debug
/// builds only (the SIMD kernels check what their pointer arithmetic relies on).
pub(crate) fn dot(field: Field, coeffs: &[u16], srcs: &[&[u8]], dsts: &mut [&mut [u8]], add: bool) {
    debug_assert!(shape_ok(field, coeffs, srcs, dsts));
    run(active(), field, coeffs, srcs, dsts, add);
}

/// [`dot`] with the kernel named `name` instead of the active one, for tests and
/// benchmarks that compare kernels in one process. `None` (and nothing written) if
/// there is no such kernel or this CPU cannot run it.
///
/// # Panics
/// If the shapes are wrong: `coeffs.len() != srcs.len() · dsts.len()`, slices of
/// different lengths, a length that is not a whole number of symbols, or a
/// coefficient outside the field.
#[doc(hidden)]
pub fn dot_with(
    name: &str,
    field: Field,
    coeffs: &[u16],
    srcs: &[&[u8]],
    dsts: &mut [&mut [u8]],
    add: bool,
) -> Option<()> {
    assert!(shape_ok(field, coeffs, srcs, dsts), "dot_with: bad shapes");
    let kernel = KERNELS.iter().find(|k| k.name == name && (k.available)())?;
    run(kernel, field, coeffs, srcs, dsts, add);
    Some(())
}

/// `dsts[r] = Σ_j coeffs[r·srcs.len() + j] · srcs[j]` in GF(2^8), XORed into what
/// `dsts[r]` holds with `add`, on the active kernel: the byte loop under every
/// GF(2^8) encode and decode, for bindings that bring their own coefficients (the
/// ISA-L ABI of isal/). Blocks of any length and alignment; every output of the call
/// is made in as few passes over the sources as the kernel's registers allow.
///
/// # Errors
/// [`Error::WrongCount`](crate::Error::WrongCount) if `coeffs.len()` is not
/// `srcs.len() · dsts.len()`, [`Error::WrongBlockSize`](crate::Error::WrongBlockSize)
/// if the blocks differ in length (its `position` counts the sources, then the
/// outputs); nothing is written then.
///
/// # Panics
/// As [`active`], if `ALGORITHM_FEC_KERNEL` is bad ([`check_env`] reports it as an
/// error instead).
///
/// # Example
/// ```
/// use algorithm_fec::kernels::dot8;
///
/// let (a, b) = ([1u8, 2, 3], [4u8, 5, 6]);
/// let (mut sum, mut twice_a) = ([0u8; 3], [0u8; 3]);
/// // Rows: sum = 1·a ⊕ 1·b, twice_a = 2·a ⊕ 0·b.
/// dot8(&[1, 1, 2, 0], &[&a, &b], &mut [&mut sum, &mut twice_a], false)?;
/// assert_eq!((sum, twice_a), ([5, 7, 5], [2, 4, 6]));
/// // With `add`, the products are XORed in: sum ⊕= 1·a.
/// dot8(&[1], &[&a], &mut [&mut sum], true)?;
/// assert_eq!(sum, [4, 5, 6]);
/// // Shapes are checked.
/// assert!(dot8(&[1, 2], &[&a], &mut [&mut sum], false).is_err());
/// assert!(dot8(&[1], &[&a[..2]], &mut [&mut sum], false).is_err());
/// # Ok::<(), algorithm_fec::Error>(())
/// ```
pub fn dot8(
    coeffs: &[u8],
    srcs: &[&[u8]],
    dsts: &mut [&mut [u8]],
    add: bool,
) -> Result<(), crate::Error> {
    let expected = srcs.len() * dsts.len();
    if coeffs.len() != expected {
        return Err(crate::Error::WrongCount {
            what: "coefficients",
            expected,
            got: coeffs.len(),
        });
    }
    let lens = srcs
        .iter()
        .map(|s| s.len())
        .chain(dsts.iter().map(|d| d.len()));
    let expected = lens.clone().next().unwrap_or(0);
    if let Some((position, got)) = lens.enumerate().find(|&(_, l)| l != expected) {
        return Err(crate::Error::WrongBlockSize {
            position,
            expected,
            got,
        });
    }
    let wide: Vec<u16> = coeffs.iter().map(|&c| u16::from(c)).collect();
    run(active(), Field::Gf8, &wide, srcs, dsts, add);
    Ok(())
}

fn shape_ok(field: Field, coeffs: &[u16], srcs: &[&[u8]], dsts: &[&mut [u8]]) -> bool {
    let len = match (dsts.first(), srcs.first()) {
        (Some(d), _) => d.len(),
        (None, Some(s)) => s.len(),
        (None, None) => 0,
    };
    coeffs.len() == srcs.len() * dsts.len()
        && srcs.iter().all(|s| s.len() == len)
        && dsts.iter().all(|d| d.len() == len)
        && len.is_multiple_of(field.symbol_bytes())
        && coeffs.iter().all(|&c| usize::from(c) < field.size())
}

fn run(
    kernel: &Kernel,
    field: Field,
    coeffs: &[u16],
    srcs: &[&[u8]],
    dsts: &mut [&mut [u8]],
    add: bool,
) {
    let len = dsts.first().map_or(0, |d| d.len());
    if dsts.is_empty() || len == 0 {
        return;
    }
    let f = match field {
        Field::Gf8 => kernel.dot8,
        Field::Gf16 => kernel.dot16,
    };
    #[cfg(feature = "parallel")]
    if parallel::run(f, coeffs, srcs, dsts, add) {
        return;
    }
    f(coeffs, srcs, dsts, add);
}

/// Coefficients made ready once for the active kernel, for many one-output products
/// and butterflies over short stripes: the transforms of the convolution path
/// multiply each stripe of a few hundred bytes by the same constants, where
/// [`dot`]'s preparation per call would cost as much as the products. Calls stay on
/// the calling thread.
///
/// The products work on the kernel's own form of GF(2^16) blocks (for the SIMD
/// kernels, byte planes in coordinates over a basis that halves the work of products
/// by elements of the subfield GF(2^8)), so no call splits and rejoins bytes: blocks
/// go in with [`Prepared::load`] and out with [`Prepared::store`]. A `Prepared` is
/// made for one kind of call: [`Prepared::new`] for `dot` and `fly`,
/// [`Prepared::for_loads`] for `load_scaled`, [`Prepared::for_stores`] for
/// `store_scaled`, [`Prepared::plain`] for `dot_plain`. All lengths are a multiple
/// of [`Prepared::STEP`].
pub(crate) struct Prepared {
    field: Field,
    /// The coefficients, then two ones: loads and stores are products by 1.
    coeffs: Vec<u16>,
    /// The sides' forms of the products `coeffs` (without the two ones) are for.
    forms: Forms,
    kernel: &'static Kernel,
    /// The kernel's form of `coeffs`.
    data: Box<dyn Any + Send + Sync>,
}

impl Prepared {
    /// Every length is a multiple of this (the widest kernel's step).
    pub(crate) const STEP: usize = 128;

    /// `coeffs` (elements of `field`) made ready for [`Prepared::dot`] and
    /// [`Prepared::fly`] with the active kernel.
    pub(crate) fn new(field: Field, coeffs: Vec<u16>) -> Prepared {
        Prepared::with(active(), field, coeffs, Forms::Kernel)
    }

    /// `coeffs` made ready for [`Prepared::dot_plain`].
    pub(crate) fn plain(field: Field, coeffs: Vec<u16>) -> Prepared {
        Prepared::with(active(), field, coeffs, Forms::Plain)
    }

    /// `coeffs` made ready for [`Prepared::load_scaled`].
    pub(crate) fn for_loads(field: Field, coeffs: Vec<u16>) -> Prepared {
        Prepared::with(active(), field, coeffs, Forms::PlainSources)
    }

    /// `coeffs` made ready for [`Prepared::store_scaled`].
    pub(crate) fn for_stores(field: Field, coeffs: Vec<u16>) -> Prepared {
        Prepared::with(active(), field, coeffs, Forms::PlainOutput)
    }

    fn with(kernel: &'static Kernel, field: Field, mut coeffs: Vec<u16>, forms: Forms) -> Prepared {
        debug_assert!(coeffs.iter().all(|&c| usize::from(c) < field.size()));
        let mut all: Vec<(u16, Forms)> = coeffs.iter().map(|&c| (c, forms)).collect();
        all.extend([(1, Forms::PlainSources), (1, Forms::PlainOutput)]);
        coeffs.extend([1, 1]);
        Prepared {
            field,
            data: (kernel.prepare)(field, &all),
            coeffs,
            forms,
            kernel,
        }
    }

    /// How many coefficients were made ready.
    fn len(&self) -> usize {
        self.coeffs.len() - 2
    }

    /// `dst` = the block `src` in the kernel's form.
    pub(crate) fn load(&self, src: &[u8], dst: &mut [u8]) {
        self.convert(src, dst, true, false);
    }

    /// `dst` (⊕)= the block whose kernel form is `src`.
    pub(crate) fn store(&self, src: &[u8], dst: &mut [u8], add: bool) {
        self.convert(src, dst, false, add);
    }

    fn convert(&self, src: &[u8], dst: &mut [u8], to: bool, add: bool) {
        assert!(
            src.len() == dst.len() && src.len().is_multiple_of(Self::STEP),
            "block lengths"
        );
        let (at, forms) = match to {
            true => (self.len(), Forms::PlainSources),
            false => (self.len() + 1, Forms::PlainOutput),
        };
        match self.field {
            Field::Gf16 => (self.kernel.dot_prepared)(self, at, &[src], dst, add, forms),
            Field::Gf8 => copy_or_add(src, dst, add),
        }
    }

    /// `dst = Σ_k coeffs[at + k] · srcs[k]` (XORed into `dst` with `add`), kernel
    /// form.
    pub(crate) fn dot(&self, at: usize, srcs: &[&[u8]], dst: &mut [u8], add: bool) {
        debug_assert!(at + srcs.len() <= self.len() && self.forms == Forms::Kernel);
        (self.kernel.dot_prepared)(self, at, srcs, dst, add, Forms::Kernel);
    }

    /// [`Prepared::dot`] on plain blocks.
    pub(crate) fn dot_plain(&self, at: usize, srcs: &[&[u8]], dst: &mut [u8], add: bool) {
        debug_assert!(at + srcs.len() <= self.len() && self.forms == Forms::Plain);
        (self.kernel.dot_prepared)(self, at, srcs, dst, add, Forms::Plain);
    }

    /// `dst` = coeffs[at] times the plain block `src`, in the kernel's form: a
    /// [`Prepared::load`] and a product in one pass.
    pub(crate) fn load_scaled(&self, at: usize, src: &[u8], dst: &mut [u8]) {
        debug_assert!(at < self.len() && self.forms == Forms::PlainSources);
        (self.kernel.dot_prepared)(self, at, &[src], dst, false, Forms::PlainSources);
    }

    /// The plain block `dst` (⊕)= coeffs[at] times `src`, in the kernel's form: a
    /// product and a [`Prepared::store`] in one pass.
    pub(crate) fn store_scaled(&self, at: usize, src: &[u8], dst: &mut [u8], add: bool) {
        debug_assert!(at < self.len() && self.forms == Forms::PlainOutput);
        (self.kernel.dot_prepared)(self, at, &[src], dst, add, Forms::PlainOutput);
    }

    /// A butterfly with c = coeffs[at], kernel form: `u ⊕= c·v` then `v ⊕= u`
    /// (`mul_first`), or `u ⊕= v` then `v ⊕= c·u`.
    pub(crate) fn fly(&self, at: usize, u: &mut [u8], v: &mut [u8], mul_first: bool) {
        debug_assert!(at < self.len() && self.forms == Forms::Kernel);
        (self.kernel.fly)(self, at, u, v, mul_first);
    }

    /// A butterfly with c = coeffs[at] from the halves u, v of `src` into those of
    /// `dst`, kernel form: `u ⊕ c·v`, then `v ⊕` that (a copy and
    /// [`Prepared::fly`] with `mul_first`, in one pass).
    pub(crate) fn fly_from(&self, at: usize, src: &[u8], dst: &mut [u8]) {
        debug_assert!(at < self.len() && self.forms == Forms::Kernel);
        (self.kernel.fly_from)(self, at, src, dst);
    }

    /// Two layers of butterflies in one pass over the four quarters x0..x3 of `x`:
    /// with c = coeffs[at[0]] on x0, x2 and on x1, x3, coeffs[at[1]] on x0, x1 and
    /// coeffs[at[2]] on x2, x3; the first layer first with `mul_first` (a
    /// transform's order, see [`Prepared::fly`]), last without (its transpose's).
    /// Each layer reads what the other wrote, so the pass halves the blocks' trips
    /// through memory.
    pub(crate) fn fly2(&self, at: [usize; 3], x: &mut [u8], mul_first: bool) {
        debug_assert!(at.iter().all(|&a| a < self.len()) && self.forms == Forms::Kernel);
        (self.kernel.fly2)(self, at, x, mul_first);
    }
}

/// `dst = src`, or `dst ⊕= src` with `add`: a block that has no other form.
fn copy_or_add(src: &[u8], dst: &mut [u8], add: bool) {
    match add {
        true => dst.iter_mut().zip(src).for_each(|(d, s)| *d ^= s),
        false => dst.copy_from_slice(src),
    }
}

/// The scalar kernel makes one output at a time, so it goes in stripes: the sources
/// of a stripe stay in cache while every output is produced.
fn striped(f: DotFn, coeffs: &[u16], srcs: &[&[u8]], dsts: &mut [&mut [u8]], add: bool) {
    let len = dsts.first().map_or(0, |d| d.len());
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

#[cfg(feature = "parallel")]
pub(crate) use parallel::split;
#[cfg(feature = "parallel")]
pub use parallel::{set_threads, threads};

/// Cutting big calls by length across rayon's threads.
#[cfg(feature = "parallel")]
mod parallel {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex, OnceLock};

    use rayon::prelude::*;

    use super::DotFn;

    /// Set by [`set_threads`]; 0 means the default.
    static THREADS: AtomicUsize = AtomicUsize::new(0);

    /// Calls reading fewer source bytes than this run on the calling thread: waking
    /// other threads costs microseconds.
    const MIN_WORK: usize = 1 << 20;
    /// Nor is a piece less than this many bytes of each block.
    const MIN_PIECE: usize = 32 * 1024;
    /// Pieces per thread: more pieces than threads let a thread whose core is busy
    /// with something else hand work to the others (rayon steals), instead of the
    /// whole call waiting for its one big piece.
    const PIECES_PER_THREAD: usize = 4;

    /// Sets how many threads a big call may use: 1 turns threading off, 0 restores
    /// the default (`ALGORITHM_FEC_THREADS` if set, else the number of CPUs).
    pub fn set_threads(n: usize) {
        THREADS.store(n, Ordering::Relaxed);
    }

    /// How many threads a big call uses (see [`set_threads`]).
    pub fn threads() -> usize {
        match THREADS.load(Ordering::Relaxed) {
            0 => {
                static DEFAULT: OnceLock<usize> = OnceLock::new();
                *DEFAULT.get_or_init(|| {
                    std::env::var("ALGORITHM_FEC_THREADS")
                        .ok()
                        .and_then(|v| v.trim().parse().ok())
                        .filter(|&n| n > 0)
                        .unwrap_or_else(|| {
                            std::thread::available_parallelism().map_or(1, |n| n.get())
                        })
                })
            }
            n => n,
        }
    }

    /// A pool of exactly `n` threads of our own, kept until a call wants another
    /// size: the thread count is then exact, and the application's global rayon
    /// pool is neither used nor started.
    fn pool(n: usize) -> Arc<rayon::ThreadPool> {
        static POOL: Mutex<Option<(usize, Arc<rayon::ThreadPool>)>> = Mutex::new(None);
        let mut held = POOL.lock().unwrap_or_else(|e| e.into_inner());
        match &*held {
            Some((size, p)) if *size == n => p.clone(),
            _ => {
                let p = Arc::new(
                    rayon::ThreadPoolBuilder::new()
                        .num_threads(n)
                        .thread_name(|i| format!("algorithm-fec-{i}"))
                        .build()
                        .expect("cannot start threads"),
                );
                *held = Some((n, p.clone()));
                p
            }
        }
    }

    thread_local! {
        /// Set while this thread runs one piece of a split call: nested calls (the
        /// kernels inside a decode piece) then stay on it instead of splitting again.
        static IN_PIECE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    /// If the work is big enough (`read` bytes read in all, over blocks of `len`
    /// bytes) and more than one thread is allowed, cuts `[0, len)` into ranges, runs
    /// `f(start, end, pieces of dsts)` on them on `threads()` threads and returns
    /// true; otherwise does nothing and returns false. Ranges are multiples of 64
    /// bytes (whole vectors, whole symbols) and every output byte belongs to exactly
    /// one of them, so the result is the same bytes as one call.
    pub(crate) fn split(
        len: usize,
        read: usize,
        dsts: &mut [&mut [u8]],
        f: impl Fn(usize, usize, &mut [&mut [u8]]) + Sync,
    ) -> bool {
        let t = threads().min(len / MIN_PIECE);
        if t < 2 || read < MIN_WORK || IN_PIECE.with(|c| c.get()) {
            return false;
        }
        let pieces = (t * PIECES_PER_THREAD).min(len / MIN_PIECE);
        let piece = len.div_ceil(pieces).next_multiple_of(64);
        let mut outs: Vec<Vec<&mut [u8]>> = Vec::new();
        for d in dsts.iter_mut() {
            for (i, c) in d.chunks_mut(piece).enumerate() {
                if outs.len() <= i {
                    outs.push(Vec::new());
                }
                outs[i].push(c);
            }
        }
        pool(t).install(|| {
            outs.into_par_iter().enumerate().for_each(|(i, mut d)| {
                let start = i * piece;
                IN_PIECE.with(|c| c.set(true));
                f(start, len.min(start + piece), &mut d);
                IN_PIECE.with(|c| c.set(false));
            })
        });
        true
    }

    /// [`split`] for one kernel call.
    pub(super) fn run(
        f: DotFn,
        coeffs: &[u16],
        srcs: &[&[u8]],
        dsts: &mut [&mut [u8]],
        add: bool,
    ) -> bool {
        let len = dsts[0].len();
        split(len, len * srcs.len(), dsts, |start, end, d| {
            let s: Vec<&[u8]> = srcs.iter().map(|s| &s[start..end]).collect();
            f(coeffs, &s, d, add);
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A block in `p`'s kernel form, and back.
    fn load(p: &Prepared, b: &[u8]) -> Vec<u8> {
        let mut v = vec![0u8; b.len()];
        p.load(b, &mut v);
        v
    }

    fn stored(p: &Prepared, v: &[u8]) -> Vec<u8> {
        let mut b = vec![0u8; v.len()];
        p.store(v, &mut b, false);
        b
    }

    /// Every aarch64 Linux CPU has NEON: the dispatch must offer and pick its kernel
    /// (the differential tests only compare the kernels that are listed).
    #[test]
    #[cfg(target_arch = "aarch64")]
    fn neon_is_listed_and_preferred_on_aarch64() {
        assert_eq!(available(), ["neon", "scalar"]);
        let fastest = KERNELS.iter().find(|k| (k.available)()).map(|k| k.name);
        assert_eq!(fastest, Some("neon"));
    }

    /// Every kernel's prepared products, scaled loads and butterflies, in its own
    /// block form, equal the scalar kernel's `dot` on plain blocks: more sources than one pass
    /// takes, with and without `add`; and the form goes there and back. Every other
    /// GF(2^16) coefficient is in the subfield GF(2^8) (the SIMD kernels' bytewise
    /// butterflies), the rest anywhere.
    #[test]
    fn prepared_equals_dot() {
        let mut rng = crate::test_rng::Rng(0x9E37_79B9_7F4A_7C15);
        let mut next = move || rng.next();
        for kernel in KERNELS.iter().filter(|k| (k.available)()) {
            for field in [Field::Gf8, Field::Gf16] {
                let coeffs: Vec<u16> = (0..40)
                    .map(|i| match (field, i % 2) {
                        (Field::Gf16, 0) => field.exp(257 * (next() % 256)) * (i % 8 != 0) as u16,
                        _ => (next() % field.size() as u64) as u16,
                    })
                    .collect();
                let p = Prepared::with(kernel, field, coeffs.clone(), Forms::Kernel);
                let loads = Prepared::with(kernel, field, coeffs.clone(), Forms::PlainSources);
                let stores = Prepared::with(kernel, field, coeffs.clone(), Forms::PlainOutput);
                let name = kernel.name;
                let shapes: &[(usize, usize, usize)] = if cfg!(miri) {
                    // Interpreted: one step, a few sources, and none.
                    &[(128, 3, 5), (128, 0, 1)]
                } else {
                    &[
                        (128, 1, 0),
                        (128, 3, 5),
                        (384, 20, 7),
                        (512, 17, 23),
                        (128, 0, 1),
                    ]
                };
                for &(len, m, at) in shapes {
                    let block = |next: &mut dyn FnMut() -> u64| -> Vec<u8> {
                        (0..len).map(|_| next() as u8).collect()
                    };
                    let srcs: Vec<Vec<u8>> = (0..m).map(|_| block(&mut next)).collect();
                    let start = block(&mut next);
                    let mut back = start.clone();
                    p.store(&load(&p, &start), &mut back, true);
                    assert!(
                        back.iter().all(|&b| b == 0),
                        "{name} {field:?}: store ⊕ load"
                    );
                    let forms: Vec<Vec<u8>> = srcs.iter().map(|s| load(&p, s)).collect();
                    let forms: Vec<&[u8]> = forms.iter().map(|s| s.as_slice()).collect();
                    let srcs: Vec<&[u8]> = srcs.iter().map(|s| s.as_slice()).collect();
                    for (j, src) in srcs.iter().enumerate() {
                        let mut got = vec![0u8; len];
                        loads.load_scaled(at + j, src, &mut got);
                        let mut want = vec![0u8; len];
                        let c = [coeffs[at + j]];
                        dot_with("scalar", field, &c, &[src], &mut [&mut want], false).unwrap();
                        assert_eq!(stored(&p, &got), want, "{name} {field:?} load_scaled");
                        let mut plain = start.clone();
                        stores.store_scaled(at + j, &load(&p, src), &mut plain, true);
                        let mut want = start.clone();
                        dot_with("scalar", field, &c, &[src], &mut [&mut want], true).unwrap();
                        assert_eq!(plain, want, "{name} {field:?} store_scaled");
                    }
                    for add in [false, true] {
                        let mut got = load(&p, &start);
                        p.dot(at, &forms, &mut got, add);
                        let mut want = start.clone();
                        let c = &coeffs[at..at + m];
                        dot_with("scalar", field, c, &srcs, &mut [&mut want], add).unwrap();
                        assert_eq!(stored(&p, &got), want, "{name} {field:?} len={len} m={m}");
                    }
                    // The reference butterfly on plain blocks.
                    let want_fly = |c: u16, u: &mut Vec<u8>, v: &mut Vec<u8>, mul_first: bool| {
                        let xor =
                            |d: &mut [u8], s: &[u8]| d.iter_mut().zip(s).for_each(|(d, s)| *d ^= s);
                        if mul_first {
                            dot_with("scalar", field, &[c], &[v], &mut [u], true).unwrap();
                            xor(v, u);
                        } else {
                            xor(u, v);
                            dot_with("scalar", field, &[c], &[u], &mut [v], true).unwrap();
                        }
                    };
                    let (u0, v0) = (block(&mut next), block(&mut next));
                    // A subfield coefficient and another.
                    let flies = [at, at + 1]
                        .into_iter()
                        .flat_map(|a| [(a, false), (a, true)]);
                    for (at, mul_first) in flies {
                        let (mut u, mut v) = (load(&p, &u0), load(&p, &v0));
                        p.fly(at, &mut u, &mut v, mul_first);
                        let (mut wu, mut wv) = (u0.clone(), v0.clone());
                        want_fly(coeffs[at], &mut wu, &mut wv, mul_first);
                        assert_eq!(
                            (stored(&p, &u), stored(&p, &v)),
                            (wu, wv),
                            "{name} {field:?} fly {mul_first} by {}",
                            coeffs[at]
                        );
                    }
                    // From one run into another.
                    for at in [at, at + 1] {
                        let src: Vec<u8> = [&u0, &v0].iter().flat_map(|b| load(&p, b)).collect();
                        let mut dst = vec![0u8; src.len()];
                        p.fly_from(at, &src, &mut dst);
                        let (mut wu, mut wv) = (u0.clone(), v0.clone());
                        want_fly(coeffs[at], &mut wu, &mut wv, true);
                        let got: Vec<Vec<u8>> = dst.chunks(len).map(|h| stored(&p, h)).collect();
                        assert_eq!(got, [wu, wv], "{name} {field:?} fly_from by {}", coeffs[at]);
                    }
                    // Two layers: every mix of subfield and other coefficients
                    // outside and inside.
                    let x0: Vec<Vec<u8>> = (0..4).map(|_| block(&mut next)).collect();
                    for (outer, inner, mul_first) in [
                        (at, [at + 2, at + 4], true),
                        (at + 1, [at + 3, at + 5], false),
                        (at, [at + 1, at + 2], true),
                        (at + 1, [at + 2, at + 4], false),
                        (at + 3, [at + 2, at + 5], true),
                    ] {
                        let mut x: Vec<u8> = x0.iter().flat_map(|b| load(&p, b)).collect();
                        p.fly2([outer, inner[0], inner[1]], &mut x, mul_first);
                        let mut w = x0.clone();
                        let c = coeffs[outer];
                        let layers = [
                            [(c, 0, 2), (c, 1, 3)],
                            [(coeffs[inner[0]], 0, 1), (coeffs[inner[1]], 2, 3)],
                        ];
                        let order = match mul_first {
                            true => [0, 1],
                            false => [1, 0],
                        };
                        for l in order {
                            for (c, i, j) in layers[l] {
                                let (a, b) = w.split_at_mut(j);
                                want_fly(c, &mut a[i], &mut b[0], mul_first);
                            }
                        }
                        let got: Vec<Vec<u8>> = x.chunks(len).map(|q| stored(&p, q)).collect();
                        assert_eq!(got, w, "{name} {field:?} fly2 {mul_first} at {outer}");
                    }
                }
            }
        }
    }
}
