//! A bad `ALGORITHM_FEC_KERNEL` or `ALGORITHM_FEC_PATH` reaches C (and so Perl)
//! callers as an ordinary error naming the variable, not as an "internal error" from
//! a caught panic. Both are read once per process, so each case runs in a child
//! process of this test.

use std::ffi::CStr;
use std::process::Command;

use algorithm_fec::ffi::{afec_last_error, afec_session_new, AFEC_EINVAL};

/// Set in the child: the message the call must fail with.
const EXPECT: &str = "AFEC_FFI_ENV_EXPECT";

#[test]
fn bad_environment_is_an_error_of_the_call() {
    if let Ok(expected) = std::env::var(EXPECT) {
        let mut s = std::ptr::null_mut();
        // SAFETY: `s` is a valid place for the session pointer.
        let rc = unsafe { afec_session_new(3, 5, 70, 0, &mut s) };
        // SAFETY: afec_last_error returns a valid NUL-terminated string of this thread.
        let msg = unsafe { CStr::from_ptr(afec_last_error()) }.to_string_lossy();
        assert_eq!(rc, AFEC_EINVAL, "{msg}");
        assert!(s.is_null());
        assert!(msg.starts_with(&expected), "{msg}");
        return;
    }
    for (var, value, expected) in [
        (
            "ALGORITHM_FEC_KERNEL",
            "bogus",
            "ALGORITHM_FEC_KERNEL=bogus: unknown kernel (valid values: auto, ",
        ),
        (
            "ALGORITHM_FEC_PATH",
            "fastest",
            "ALGORITHM_FEC_PATH=fastest: unknown path (valid values: auto, quadratic, convolution)",
        ),
    ] {
        let out = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "bad_environment_is_an_error_of_the_call"])
            .env(EXPECT, expected)
            .env(var, value)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{var}: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text.contains("1 passed"), "{text}");
    }
}
