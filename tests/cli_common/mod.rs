//! Running the `fec` binary from tests: its output, and assertions on exit codes,
//! messages and leftover temporaries.
#![allow(dead_code)]

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

pub const FEC: &str = env!("CARGO_BIN_EXE_fec");

/// Runs `fec` in `dir` with `args`, feeding `stdin` if given.
pub fn run(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    run_cmd(FEC, args, dir, stdin)
}

/// Runs `cmd args` in `dir`, feeding `stdin` if given.
pub fn run_cmd(cmd: &str, args: &[&str], dir: &Path, stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(cmd)
        .args(args)
        .current_dir(dir)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{cmd}: {e}"));
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        let input = input.to_vec();
        // A thread, so a large input cannot deadlock against the output pipes.
        std::thread::spawn(move || {
            let _ = pipe.write_all(&input);
        });
    }
    child.wait_with_output().unwrap()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[track_caller]
pub fn assert_fails(o: &Output, code: i32, msg: &str) {
    assert_eq!(o.status.code(), Some(code), "stderr: {}", stderr(o));
    assert!(
        stderr(o).contains(msg),
        "expected {msg:?} in stderr: {}",
        stderr(o)
    );
}

#[track_caller]
pub fn assert_ok(o: &Output) {
    assert!(o.status.success(), "{:?}: {}", o.status, stderr(o));
}

/// Sorted names of the files in `dir`.
pub fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[track_caller]
pub fn assert_no_temp(dir: &Path) {
    let l = listing(dir);
    assert!(
        l.iter().all(|n| !n.ends_with(".tmp")),
        "temporary file left: {l:?}"
    );
}
