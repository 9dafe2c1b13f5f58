//! Builds `tests/c/abi_test.c` against `include/algorithm_fec.h` and this crate's
//! shared library (the cdylib), runs it, and checks its verdict.

use std::path::PathBuf;
use std::process::Command;

#[test]
fn c_program_drives_the_abi() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    // target/<profile>/deps/<this test>: cargo compiles the library's cdylib
    // (libalgorithm_fec.so; .dylib on macOS) into this directory together with the
    // rlib this test links (its name has no hash: it is the last build of the
    // library, from these sources). A C program links it as it links any shared
    // library; building a static library here instead compiled the whole crate
    // again (half a minute).
    let mut deps = std::env::current_exe().unwrap();
    deps.pop();
    let work = deps.join("../../c-abi");
    std::fs::create_dir_all(&work).unwrap();
    let exe = work.join("abi_test");
    let compiler = cc::Build::new()
        .cargo_metadata(false)
        .opt_level(0)
        .host("x86_64-unknown-linux-gnu")
        .target(&std::env::var("TARGET").unwrap_or_else(|_| "x86_64-unknown-linux-gnu".into()))
        .get_compiler();
    let status = compiler
        .to_command()
        .args([
            "-Wall",
            "-Wextra",
            "-Werror",
            "-std=c99",
            "-D_POSIX_C_SOURCE=200809L",
        ])
        .arg("-I")
        .arg(root.join("include"))
        .arg(root.join("tests/c/abi_test.c"))
        .arg("-L")
        .arg(&deps)
        .arg("-lalgorithm_fec")
        .arg(format!("-Wl,-rpath,{}", deps.display()))
        .arg("-o")
        .arg(&exe)
        .status()
        .unwrap();
    assert!(status.success(), "compiling abi_test.c failed");
    let out = Command::new(&exe).arg(&work).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let last = stdout.lines().last().unwrap_or("");
    assert!(
        last.ends_with(" passed, 0 failed") && !last.starts_with("0 "),
        "{stdout}"
    );
}
