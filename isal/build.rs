//! Link arguments of the shared library.
fn main() {
    // Intel's soname, so that programs linked with `-lisal` and programs that dlopen
    // "libisal.so.2" take this library in its place.
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libisal.so.2");
    // Only ISA-L's names: the core's own C ABI (its `afec_*` functions, linked in
    // from its rlib, an archive) stays inside.
    println!("cargo:rustc-cdylib-link-arg=-Wl,--exclude-libs,ALL");
}
