//! The benches' clocks: the platform call for a thread's CPU time lives here.

use std::sync::OnceLock;
use std::time::Instant;

/// What a row's sides are timed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    /// The calling thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`), for single-thread
    /// rows: time the thread spent waiting for a CPU that other work on a shared
    /// machine holds is left out, which moved wall-time figures by a third between
    /// runs. Where there is no such clock (outside Unix) it is wall time.
    Thread,
    /// Wall time, for rows that run on several threads (the calling thread's CPU
    /// time would leave out the others' work).
    Wall,
}

impl Clock {
    /// Seconds since a fixed point of this clock.
    pub fn now(self) -> f64 {
        match self {
            Clock::Thread => thread_cpu(),
            Clock::Wall => {
                static START: OnceLock<Instant> = OnceLock::new();
                START.get_or_init(Instant::now).elapsed().as_secs_f64()
            }
        }
    }

    /// The clock's name for tables and results files.
    pub fn name(self) -> &'static str {
        match self {
            Clock::Thread if cfg!(unix) => "thread CPU time",
            _ => "wall time",
        }
    }
}

#[cfg(unix)]
fn thread_cpu() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime only writes `t`, a valid timespec.
    let r = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    assert_eq!(r, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
}

#[cfg(not(unix))]
fn thread_cpu() -> f64 {
    Clock::Wall.now()
}
