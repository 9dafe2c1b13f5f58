//! Known answers from Andrew Brown's original `rs.py` (tests/data/rs.tsv): every row.

use algorithm_fec::rs::{RsCoder, RsError};

fn unhex(s: &str) -> Vec<u8> {
    if s == "-" {
        return Vec::new();
    }
    assert!(s.len().is_multiple_of(2), "odd hex string {s:?}");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

struct Row {
    line: usize,
    kind: String,
    n: usize,
    k: usize,
    message: Vec<u8>,
    codeword: Vec<u8>,
    nerr: usize,
    error_pos: Vec<usize>,
    received: Vec<u8>,
    verify: bool,
    dec_nostrip: Vec<u8>,
    dec_default: Vec<u8>,
    note: String,
}

fn rows() -> Vec<Row> {
    let text = include_str!("data/rs.tsv");
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 13, "line {}: {} columns", i + 1, f.len());
        out.push(Row {
            line: i + 1,
            kind: f[0].to_string(),
            n: f[1].parse().unwrap(),
            k: f[2].parse().unwrap(),
            message: unhex(f[3]),
            codeword: unhex(f[4]),
            nerr: f[5].parse().unwrap(),
            error_pos: if f[6] == "-" {
                Vec::new()
            } else {
                f[6].split(',').map(|p| p.parse().unwrap()).collect()
            },
            received: unhex(f[7]),
            verify: match f[8] {
                "true" => true,
                "false" => false,
                other => panic!("line {}: verify {other:?}", i + 1),
            },
            dec_nostrip: unhex(f[9]),
            dec_default: unhex(f[10]),
            note: f[12].to_string(),
        });
    }
    out
}

fn distance(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).filter(|(x, y)| x != y).count()
}

#[test]
fn every_row() {
    let rows = rows();
    let (mut enc, mut dec, mut over, mut over_err, mut over_ok) = (0, 0, 0, 0, 0);
    for r in &rows {
        let ctx = format!(
            "line {} ({} RS({},{}) {})",
            r.line, r.kind, r.n, r.k, r.note
        );
        let rs = RsCoder::new(r.n, r.k).unwrap();

        // Columns that hold for every row.
        assert_eq!(r.codeword.len(), r.n, "{ctx}");
        assert_eq!(r.received.len(), r.n, "{ctx}");
        assert_eq!(rs.encode(&r.message).unwrap(), r.codeword, "{ctx}: encode");
        assert!(rs.verify(&r.codeword), "{ctx}: codeword verifies");
        assert_eq!(rs.verify(&r.received), r.verify, "{ctx}: verify column");
        assert_eq!(distance(&r.codeword, &r.received), r.nerr, "{ctx}: nerr");
        for &p in &r.error_pos {
            assert_ne!(r.codeword[p], r.received[p], "{ctx}: error_pos {p}");
        }

        match r.kind.as_str() {
            "ENC" | "DEC" => {
                if r.kind == "ENC" {
                    enc += 1;
                    assert_eq!(r.nerr, 0, "{ctx}");
                } else {
                    dec += 1;
                    assert!(r.nerr <= rs.max_errors(), "{ctx}");
                }
                let d = rs.decode_report(&r.received).unwrap();
                assert_eq!(d.message, r.dec_nostrip, "{ctx}: dec_nostrip");
                assert_eq!(d.corrected, r.nerr, "{ctx}: corrected count");
                assert_eq!(rs.decode(&r.received).unwrap(), r.dec_nostrip, "{ctx}");
                assert_eq!(
                    rs.decode_stripped(&r.received).unwrap(),
                    r.dec_default,
                    "{ctx}: dec_default"
                );
            }
            "OVER" => {
                over += 1;
                assert!(r.nerr > rs.max_errors(), "{ctx}");
                // rs.py returned garbage here; we must return an error, or a k-byte
                // message whose codeword is genuinely within the decoding radius.
                match rs.decode_report(&r.received) {
                    Err(e) => {
                        assert_eq!(e, RsError::Uncorrectable, "{ctx}");
                        assert!(rs.decode_stripped(&r.received).is_err(), "{ctx}");
                        over_err += 1;
                    }
                    Ok(d) => {
                        assert_eq!(d.message.len(), r.k, "{ctx}: never more than k bytes");
                        let re = rs.encode(&d.message).unwrap();
                        assert!(rs.verify(&re), "{ctx}");
                        let dist = distance(&re, &r.received);
                        assert!(dist <= rs.max_errors(), "{ctx}: decoded outside the radius");
                        assert_eq!(d.corrected, dist, "{ctx}");
                        assert_ne!(re, r.codeword, "{ctx}: cannot be the original");
                        over_ok += 1;
                    }
                }
            }
            other => panic!("{ctx}: unknown kind {other:?}"),
        }
    }
    assert_eq!(enc + dec + over, rows.len());
    assert!(enc > 0 && dec > 0);
    println!(
        "rs.tsv: {} rows passed: {enc} ENC, {dec} DEC, {over} OVER ({over_err} detected as \
         uncorrectable, {over_ok} decoded to another codeword within the radius)",
        rows.len()
    );
}
