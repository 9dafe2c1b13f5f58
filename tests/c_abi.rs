//! Builds `tests/c/abi_test.c` against `include/algorithm_fec.h` and this crate (as a
//! static library made by cargo), runs it, and checks its verdict.

use std::path::PathBuf;
use std::process::Command;

#[test]
fn c_program_drives_the_abi() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    // target/<profile>/deps/<this test> → target
    let mut target = std::env::current_exe().unwrap();
    target.pop();
    target.pop();
    target.pop();
    let work = target.join("c-abi");
    std::fs::create_dir_all(&work).unwrap();
    // The static library is built in this target directory, so it shares every
    // dependency already compiled (a target directory of its own rebuilt them all:
    // minutes); `--crate-type` makes a unit of its own, which leaves the rlib alone.
    let ok = Command::new(env!("CARGO"))
        .args([
            "rustc",
            "--quiet",
            "--lib",
            "--crate-type",
            "staticlib",
            "--target-dir",
        ])
        .arg(&target)
        .current_dir(&root)
        .status()
        .unwrap()
        .success();
    assert!(ok, "building the static library failed");
    let staticlib = target.join("debug").join("libalgorithm_fec.a");
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
        .arg(&staticlib)
        .args(["-lpthread", "-ldl", "-lm", "-o"])
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
