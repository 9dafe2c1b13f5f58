//! Checks known-answer files in the format of `algorithm-fec.tsv` (E, D and P lines,
//! data from the generator documented in the file's header).
//!
//! ```text
//! cargo run --release --example conformance -- tests/data/algorithm-fec.tsv
//! ```
//!
//! Prints each failure with its file and line, then `N passed, M failed` on the last
//! line; exits 1 if anything failed (a malformed line counts as a failure), 2 on
//! usage or I/O errors. The kernel is the one `ALGORITHM_FEC_KERNEL` names (default:
//! the fastest); `conformance --kernels` lists the kernels this CPU can run.

#[path = "../tests/common/mod.rs"]
mod common;

use std::process::ExitCode;

fn main() -> ExitCode {
    let files: Vec<String> = std::env::args().skip(1).collect();
    if files.len() == 1 && files[0] == "--kernels" {
        println!("{}", algorithm_fec::kernels::available().join(" "));
        return ExitCode::SUCCESS;
    }
    if files.is_empty() || files.iter().any(|f| f == "-h" || f == "--help") {
        eprintln!("usage: conformance FILE...  (known-answer files, algorithm-fec.tsv format)");
        return ExitCode::from(2);
    }
    let (mut passed, mut failed) = (0usize, 0usize);
    for file in &files {
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(err) => {
                eprintln!("{file}: {err}");
                return ExitCode::from(2);
            }
        };
        for (no, line) in common::lines(&text) {
            match common::parse_line(line).and_then(|l| common::check(&l)) {
                Ok(()) => passed += 1,
                Err(why) => {
                    failed += 1;
                    println!("FAIL {file}:{no}: {why}");
                }
            }
        }
    }
    println!("kernel {}", algorithm_fec::kernels::active().name());
    println!("{passed} passed, {failed} failed");
    if failed == 0 && passed > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
