//! Runs the `conformance` example, as a user would, on the known-answer file kept in
//! the project, and on a copy with one digest changed, which it must report.

use std::path::PathBuf;
use std::process::Command;

/// The example binary, built (or found up to date) with the profile and target
/// directory of this test: `cargo test` builds examples, `cargo test --test` does not.
fn example() -> PathBuf {
    // target/<profile>/deps/<this test> → target/<profile>/examples/conformance
    let mut dir = std::env::current_exe().unwrap();
    dir.pop();
    dir.pop();
    let release = dir.file_name().unwrap() == "release";
    let target = dir.parent().unwrap().to_path_buf();
    let mut build = Command::new(env!("CARGO"));
    build
        .args([
            "build",
            "--quiet",
            "--example",
            "conformance",
            "--target-dir",
        ])
        .arg(&target)
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    if release {
        build.arg("--release");
    }
    assert!(
        build.status().unwrap().success(),
        "building the example failed"
    );
    dir.join("examples")
        .join(format!("conformance{}", std::env::consts::EXE_SUFFIX))
}

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

#[test]
fn shipped_vectors_all_pass() {
    let out = Command::new(example())
        .arg(data("algorithm-fec.tsv"))
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{stdout}");
    let last = stdout.lines().last().unwrap();
    let passed: usize = last.split(' ').next().unwrap().parse().unwrap();
    assert_eq!(last, format!("{passed} passed, 0 failed"));
    // Every E, D and P line of the file was checked.
    let text = std::fs::read_to_string(data("algorithm-fec.tsv")).unwrap();
    let lines = text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .count();
    assert_eq!(passed, lines);
    assert!(passed > 150);
}

#[test]
fn a_wrong_answer_is_reported() {
    let text = std::fs::read_to_string(data("algorithm-fec.tsv")).unwrap();
    let dir = tempfile_dir();
    let path = dir.join("bad.tsv");
    // Flip the last hex digit of the first D line's digest, and add a malformed line.
    let mut done = false;
    let bad: Vec<String> = text
        .lines()
        .map(|l| {
            if !done && l.starts_with("D\t") {
                done = true;
                let mut s = l.to_string();
                let last = s.pop().unwrap();
                s.push(if last == '0' { '1' } else { '0' });
                s
            } else {
                l.to_string()
            }
        })
        .chain(["E\t3\t5\t70\t3\tnine\tabc".to_string()])
        .collect();
    std::fs::write(&path, bad.join("\n")).unwrap();
    let out = Command::new(example()).arg(&path).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout
            .lines()
            .last()
            .unwrap()
            .ends_with(" passed, 2 failed"),
        "{stdout}"
    );
    assert!(stdout.contains("decoded data hashes to"), "{stdout}");
    assert!(stdout.contains("index: not a number"), "{stdout}");
    std::fs::remove_dir_all(dir).unwrap();
}

fn tempfile_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("afec-conformance-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}
