//! # algorithm-fec
//!
//! Luigi Rizzo's Vandermonde erasure code over GF(2^8) and GF(2^16): `k` data blocks
//! become `n` blocks of which any `k` give the data back. Byte-compatible with CPAN's
//! Algorithm::FEC 1.1, Rizzo's `fec` library and zfec.
//!
//! ```
//! use algorithm_fec::Code;
//!
//! let code = Code::new(3, 5)?;
//! let data: Vec<Vec<u8>> = vec![b"1".repeat(70), b"2".repeat(70), b"3".repeat(70)];
//! let data_refs: Vec<&[u8]> = data.iter().map(|b| b.as_slice()).collect();
//! let mut check = vec![0u8; 70];
//! code.encode(&data_refs, 3, &mut check)?;
//! assert_eq!(check, b"%".repeat(70));
//!
//! // Lose data blocks 0 and 2; decode from blocks 1, 3 and 4 in place.
//! let mut b3 = check.clone();
//! let mut b4 = vec![0u8; 70];
//! code.encode(&data_refs, 4, &mut b4)?;
//! let mut b1 = data[1].clone();
//! let mut blocks: Vec<&mut [u8]> = vec![&mut b3, &mut b1, &mut b4];
//! let mut indices = vec![3, 1, 4];
//! code.decode(&mut blocks, &mut indices)?;
//! assert_eq!(indices, [3, 1, 4]); // reordered by the rule in `spec`: position 1 holds data 1
//! assert_eq!(blocks[0], &data[0][..]);
//! assert_eq!(blocks[2], &data[2][..]);
//! # Ok::<(), algorithm_fec::Error>(())
//! ```
//!
//! ## Speed
//!
//! The byte work runs on the fastest kernel the CPU has, picked once per process
//! (see [`kernels`]): GFNI (512- or 256-bit), AVX-512BW, AVX2 or SSSE3 on x86_64,
//! NEON on aarch64, portable tables elsewhere. All outputs of a call are made in one
//! pass over the sources where the registers allow. `ALGORITHM_FEC_KERNEL=scalar|
//! ssse3|avx2|avx512|gfni256|gfni|neon` forces one (and panics if this CPU cannot run
//! it).
//!
//! The exact definition of the code (fields, points, encoding, the reordering of
//! decode inputs) is in [`spec`].
//!
//! ## Cargo features
//!
//! - `cli` (on by default): the `fec` command line tool. Library users who do not
//!   need it set `default-features = false`, which drops it and its dependencies
//!   (clap, indicatif, tempfile and ctrlc).
//! - `files` (on with `cli`): the `output` module, output files and share sets written
//!   all-or-nothing (a temporary beside each target, fsync, rename; a share set
//!   swapped in whole or rolled back), used by the tool and the Python binding.
//!   Adds tempfile.
//! - `parallel`: big calls (≥ 1 MiB read) are cut by length across rayon's threads;
//!   `kernels::set_threads` or `ALGORITHM_FEC_THREADS` set how many. The output
//!   bytes do not depend on it.
//! - `isal`: links Intel ISA-L (libisal-dev) for the comparison benchmark
//!   (`cargo bench --bench isal --features isal,parallel`) and a byte-identity test.
//! - `perl`: build.rs compiles the Perl XS glue (perl/Algorithm-FEC/FEC.xs) with the
//!   `cc` crate and Perl's own flags into this crate, so that the cdylib
//!   (`libalgorithm_fec.so`) is the loadable Perl module `Algorithm::FEC`; needs perl
//!   with its headers and a C compiler. `make` in perl/Algorithm-FEC builds it so.
//!
//! Without `perl` the cdylib is the C ABI of [`ffi`] (include/algorithm_fec.h) as a
//! shared library.
#![warn(missing_docs)]

pub mod block;
pub mod code;
mod conv;
pub mod error;
pub mod ffi;
pub mod gf;
pub mod kernels;
mod ntt;
#[cfg(feature = "files")]
pub mod output;
#[cfg(feature = "perl")]
mod perl;
pub mod rs;
pub mod session;
// SIGBUS from shrunk mapped files (Unix); Windows refuses to shrink a mapped file.
#[cfg_attr(windows, path = "sigbus_windows.rs")]
mod sigbus;
mod sys;
#[doc = include_str!("../docs/SPEC.md")]
pub mod spec {}
pub mod zfec;

/// The tests' pseudo-random generator (tests/common/rng.rs), for unit tests too.
#[cfg(test)]
#[path = "../tests/common/rng.rs"]
mod test_rng;

/// README.md's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// docs/rust.md's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../docs/rust.md")]
pub struct RustDocDoctests;

/// docs/sessions.md's Rust examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../docs/sessions.md")]
pub struct SessionsDocDoctests;

pub use block::Block;
pub use code::{BadBlock, Code, Decoder, Shard};
pub use error::Error;
pub use gf::Field;
pub use session::{FecSession, SessionError};
