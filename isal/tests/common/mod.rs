//! Both libraries in one process: this crate's libisal and Debian's (Intel ISA-L
//! 2.30), each dlopened by its path. glibc matches an already loaded library by
//! soname only when dlopen is given a bare name, so two paths give two libraries
//! even with one soname; `symbol_file` (dladdr) shows which file a function is in.
#![allow(dead_code)] // the test and the bench each use what they need

use std::ffi::{c_int, c_void, CStr};
use std::path::PathBuf;
use std::sync::OnceLock;

use libloading::Library;

pub type Init = unsafe extern "C" fn(c_int, c_int, *const u8, *mut u8);
pub type Encode =
    unsafe extern "C" fn(c_int, c_int, c_int, *const u8, *const *const u8, *const *mut u8);
pub type Update =
    unsafe extern "C" fn(c_int, c_int, c_int, c_int, *const u8, *const u8, *const *mut u8);
pub type DotProd = unsafe extern "C" fn(c_int, c_int, *const u8, *const *const u8, *mut u8);
pub type Mad = unsafe extern "C" fn(c_int, c_int, c_int, *const u8, *const u8, *mut u8);
pub type VectMul = unsafe extern "C" fn(c_int, *const u8, *const c_void, *mut c_void) -> c_int;
pub type VectMulBase = unsafe extern "C" fn(c_int, *const u8, *const u8, *mut u8);
pub type VectMulInit = unsafe extern "C" fn(u8, *mut u8);
pub type Matrix = unsafe extern "C" fn(*mut u8, c_int, c_int);
pub type Invert = unsafe extern "C" fn(*mut u8, *mut u8, c_int) -> c_int;

/// The functions of one library.
pub struct Api {
    pub path: PathBuf,
    pub lib: &'static Library,
    pub ec_init_tables: Init,
    pub ec_encode_data: Encode,
    pub ec_encode_data_base: Encode,
    pub ec_encode_data_update: Update,
    pub ec_encode_data_update_base: Update,
    pub gf_vect_dot_prod: DotProd,
    pub gf_vect_dot_prod_base: DotProd,
    pub gf_vect_mad: Mad,
    pub gf_vect_mad_base: Mad,
    pub gf_vect_mul: VectMul,
    pub gf_vect_mul_base: VectMulBase,
    pub gf_vect_mul_init: VectMulInit,
    pub gf_mul: unsafe extern "C" fn(u8, u8) -> u8,
    pub gf_inv: unsafe extern "C" fn(u8) -> u8,
    pub gf_gen_rs_matrix: Matrix,
    pub gf_gen_cauchy1_matrix: Matrix,
    pub gf_invert_matrix: Invert,
}

/// Every exported name the ABI promises, with its address in `api`.
pub fn symbols(api: &Api) -> Vec<(&'static str, *const c_void)> {
    vec![
        ("ec_init_tables", api.ec_init_tables as *const c_void),
        ("ec_encode_data", api.ec_encode_data as *const c_void),
        (
            "ec_encode_data_base",
            api.ec_encode_data_base as *const c_void,
        ),
        (
            "ec_encode_data_update",
            api.ec_encode_data_update as *const c_void,
        ),
        (
            "ec_encode_data_update_base",
            api.ec_encode_data_update_base as *const c_void,
        ),
        (
            "gf_vect_dot_prod_base",
            api.gf_vect_dot_prod_base as *const c_void,
        ),
        ("gf_vect_mad_base", api.gf_vect_mad_base as *const c_void),
        ("gf_vect_mul_base", api.gf_vect_mul_base as *const c_void),
        ("gf_vect_dot_prod", api.gf_vect_dot_prod as *const c_void),
        ("gf_vect_mad", api.gf_vect_mad as *const c_void),
        ("gf_vect_mul", api.gf_vect_mul as *const c_void),
        ("gf_vect_mul_init", api.gf_vect_mul_init as *const c_void),
        ("gf_mul", api.gf_mul as *const c_void),
        ("gf_inv", api.gf_inv as *const c_void),
        ("gf_gen_rs_matrix", api.gf_gen_rs_matrix as *const c_void),
        (
            "gf_gen_cauchy1_matrix",
            api.gf_gen_cauchy1_matrix as *const c_void,
        ),
        ("gf_invert_matrix", api.gf_invert_matrix as *const c_void),
    ]
}

/// The library file that holds the code at `addr` (dladdr).
pub fn symbol_file(addr: *const c_void) -> PathBuf {
    let mut info: libc::Dl_info = unsafe { std::mem::zeroed() };
    // SAFETY: dladdr only reads the address and fills `info`.
    let found = unsafe { libc::dladdr(addr, &mut info) };
    assert!(
        found != 0 && !info.dli_fname.is_null(),
        "dladdr found nothing"
    );
    // SAFETY: dladdr set a NUL-terminated file name, owned by the loader.
    let name = unsafe { CStr::from_ptr(info.dli_fname) };
    std::fs::canonicalize(name.to_str().unwrap()).unwrap()
}

/// Opens `path` (RTLD_LAZY | RTLD_LOCAL) for the rest of the process.
fn load(path: PathBuf) -> Api {
    // SAFETY: both libraries' initialisers are plain (glibc's and Rust's std).
    let lib: &'static Library = Box::leak(Box::new(
        unsafe { Library::new(&path) }.unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    ));
    macro_rules! get {
        ($name:ident) => {
            // SAFETY: the type is ISA-L's signature for this name (erasure_code.h,
            // gf_vect_mul.h); the library stays loaded (leaked above).
            *unsafe { lib.get(concat!(stringify!($name), "\0").as_bytes()) }
                .unwrap_or_else(|e| panic!("{}: {}: {e}", path.display(), stringify!($name)))
        };
    }
    Api {
        ec_init_tables: get!(ec_init_tables),
        ec_encode_data: get!(ec_encode_data),
        ec_encode_data_base: get!(ec_encode_data_base),
        ec_encode_data_update: get!(ec_encode_data_update),
        ec_encode_data_update_base: get!(ec_encode_data_update_base),
        gf_vect_dot_prod: get!(gf_vect_dot_prod),
        gf_vect_dot_prod_base: get!(gf_vect_dot_prod_base),
        gf_vect_mad: get!(gf_vect_mad),
        gf_vect_mad_base: get!(gf_vect_mad_base),
        gf_vect_mul: get!(gf_vect_mul),
        gf_vect_mul_base: get!(gf_vect_mul_base),
        gf_vect_mul_init: get!(gf_vect_mul_init),
        gf_mul: get!(gf_mul),
        gf_inv: get!(gf_inv),
        gf_gen_rs_matrix: get!(gf_gen_rs_matrix),
        gf_gen_cauchy1_matrix: get!(gf_gen_cauchy1_matrix),
        gf_invert_matrix: get!(gf_invert_matrix),
        path: std::fs::canonicalize(&path).unwrap(),
        lib,
    }
}

/// This crate's library: `$ISAL_OURS`, else the libisal.so cargo built for this test
/// or bench, beside it in target/<profile>/deps.
pub fn ours() -> &'static Api {
    static API: OnceLock<Api> = OnceLock::new();
    API.get_or_init(|| {
        let path = std::env::var_os("ISAL_OURS")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                let exe = std::env::current_exe().unwrap();
                exe.parent().unwrap().join("libisal.so")
            });
        load(path)
    })
}

/// Debian's libisal.so.2 (`$ISAL_REAL` overrides the path).
pub fn isal() -> &'static Api {
    static API: OnceLock<Api> = OnceLock::new();
    API.get_or_init(|| load(real_path()))
}

fn real_path() -> PathBuf {
    std::env::var_os("ISAL_REAL")
        .map(PathBuf::from)
        .unwrap_or_else(|| "/usr/lib/x86_64-linux-gnu/libisal.so.2".into())
}

/// xorshift64: reproducible pseudo-random bytes.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A value in 0..n.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}
