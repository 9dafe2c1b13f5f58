//! The entry point of the Perl extension module `Algorithm::FEC` (feature `perl`).
//!
//! build.rs compiles the XS glue (perl/Algorithm-FEC/FEC.xs) into this crate with
//! its boot function renamed `afec_perl_boot`; a cdylib exports only Rust's own
//! `#[no_mangle]` items, so this wrapper is what gives the shared library the
//! symbol DynaLoader looks up, `boot_Algorithm__FEC`.

use std::ffi::c_void;

#[cfg(afec_perl_multiplicity)]
extern "C" {
    fn afec_perl_boot(interp: *mut c_void, cv: *mut c_void);
}

#[cfg(not(afec_perl_multiplicity))]
extern "C" {
    fn afec_perl_boot(cv: *mut c_void);
}

/// `XS_EXTERNAL(boot_Algorithm__FEC)` with an interpreter argument (`pTHX_`).
///
/// # Safety
/// Called only by Perl's DynaLoader, with a live interpreter and the boot CV.
#[cfg(afec_perl_multiplicity)]
#[no_mangle]
pub unsafe extern "C" fn boot_Algorithm__FEC(interp: *mut c_void, cv: *mut c_void) {
    // SAFETY: the same signature as the C function, arguments passed through.
    unsafe { afec_perl_boot(interp, cv) }
}

/// `XS_EXTERNAL(boot_Algorithm__FEC)` for a perl without multiplicity.
///
/// # Safety
/// Called only by Perl's DynaLoader, with the boot CV.
#[cfg(not(afec_perl_multiplicity))]
#[no_mangle]
pub unsafe extern "C" fn boot_Algorithm__FEC(cv: *mut c_void) {
    // SAFETY: the same signature as the C function, arguments passed through.
    unsafe { afec_perl_boot(cv) }
}
