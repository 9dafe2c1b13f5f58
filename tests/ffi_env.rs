//! A bad `ALGORITHM_FEC_KERNEL` reaches C (and so Perl) callers as an ordinary error
//! naming the variable, not as an "internal error" from a caught panic. The kernel is
//! chosen once per process, so the check runs in a child process of this test.

use std::ffi::CStr;
use std::process::Command;

use algorithm_fec::ffi::{afec_last_error, afec_session_new, AFEC_EINVAL};

const CHILD: &str = "AFEC_FFI_ENV_CHILD";

#[test]
fn bad_kernel_variable_is_an_error_of_the_call() {
    if std::env::var_os(CHILD).is_some() {
        let mut s = std::ptr::null_mut();
        // SAFETY: `s` is a valid place for the session pointer.
        let rc = unsafe { afec_session_new(3, 5, 70, 0, &mut s) };
        // SAFETY: afec_last_error returns a valid NUL-terminated string of this thread.
        let msg = unsafe { CStr::from_ptr(afec_last_error()) }.to_string_lossy();
        assert_eq!(rc, AFEC_EINVAL, "{msg}");
        assert!(s.is_null());
        assert!(
            msg.starts_with("ALGORITHM_FEC_KERNEL=bogus: unknown kernel (valid values: auto, "),
            "{msg}"
        );
        assert!(msg.contains("scalar"), "{msg}");
        return;
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "bad_kernel_variable_is_an_error_of_the_call"])
        .env(CHILD, "1")
        .env("ALGORITHM_FEC_KERNEL", "bogus")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("1 passed"), "{text}");
}
