//! SIGBUS from the library's own file mappings becomes an error, not a crash.
//!
//! Touching a page of a shared file mapping faults with SIGBUS when the page lies
//! past the end of the file (someone shrank it while it was mapped) or when the
//! file system cannot allocate the page (full, on file systems where space could
//! not be reserved up front). Every mapping the library makes is registered here
//! as a [`Guard`]; a process-wide handler, installed once, looks the faulting
//! address up in a fixed table of live ranges, maps a zero page over the faulting
//! page so the interrupted instruction can complete, and marks the range faulted.
//! The running call then sees [`Guard::faulted`] and fails. Faults at any other
//! address go to the handler that was installed before ours, or, if there was none,
//! get the default action (the process dies of SIGBUS, as without this module).
//!
//! The handler is async-signal-safe: it reads a static table of atomics and calls
//! only `mmap`, `sigaction` and `raise` (system calls); no allocation, no locks.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};

/// How many mappings can be live at once (Linux's default `vm.max_map_count` is
/// 65530, so a process cannot have many more mappings anyway).
const SLOTS: usize = 1 << 16;

/// One live range. `seq` is odd while the range is live; the handler reads it
/// before and after `start`/`end` and trusts the range only if it did not change.
struct Range {
    claimed: AtomicBool,
    seq: AtomicUsize,
    start: AtomicUsize,
    end: AtomicUsize,
    faulted: AtomicBool,
}

#[allow(clippy::declare_interior_mutable_const)] // only used to initialise TABLE
const FREE: Range = Range {
    claimed: AtomicBool::new(false),
    seq: AtomicUsize::new(0),
    start: AtomicUsize::new(0),
    end: AtomicUsize::new(0),
    faulted: AtomicBool::new(false),
};

static TABLE: [Range; SLOTS] = [FREE; SLOTS];
/// Slots at or above this were never used: the handler scans below it only.
static USED: AtomicUsize = AtomicUsize::new(0);
/// Where the next search for a free slot starts, so registering stays O(1) on
/// average even with tens of thousands of live mappings.
static CURSOR: AtomicUsize = AtomicUsize::new(0);
/// The page size, read once at install time (sysconf is not async-signal-safe).
static PAGE: AtomicUsize = AtomicUsize::new(4096);

/// A registered mapping: while it lives, a SIGBUS inside its range is absorbed and
/// recorded. Drop it *before* unmapping, so that a fault in a new mapping reusing
/// the addresses is never taken for ours.
#[derive(Debug)]
pub(crate) struct Guard {
    slot: Option<usize>,
}

impl Guard {
    /// Registers `[start, start + len)`; `None` when the table is full (the caller
    /// must then not use the mapping).
    pub fn register(start: *const u8, len: usize) -> Option<Guard> {
        if cfg!(miri) {
            return Some(Guard { slot: None });
        }
        install();
        let from = CURSOR.load(SeqCst);
        for i in (from..SLOTS).chain(0..from) {
            let r = &TABLE[i];
            if r.claimed
                .compare_exchange(false, true, SeqCst, SeqCst)
                .is_ok()
            {
                r.start.store(start as usize, SeqCst);
                r.end.store(start as usize + len, SeqCst);
                r.faulted.store(false, SeqCst);
                USED.fetch_max(i + 1, SeqCst);
                r.seq.fetch_add(1, SeqCst); // odd: live
                CURSOR.store((i + 1) % SLOTS, SeqCst);
                return Some(Guard { slot: Some(i) });
            }
        }
        None
    }

    /// Whether a fault has been absorbed in this range since it was registered.
    /// Sticky: the mapping no longer shows the file once a zero page replaced one
    /// of its pages, so every later call on it must fail too.
    pub fn faulted(&self) -> bool {
        self.slot.is_some_and(|i| TABLE[i].faulted.load(SeqCst))
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(i) = self.slot {
            let r = &TABLE[i];
            r.seq.fetch_add(1, SeqCst); // even: not live
            r.claimed.store(false, SeqCst);
        }
    }
}

/// The action that was installed before ours, for faults that are not ours.
static PREVIOUS: std::sync::OnceLock<libc::sigaction> = std::sync::OnceLock::new();

fn install() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: sysconf has no preconditions; sigaction is given valid pointers to
        // zero-initialised structs (a valid "no flags, empty mask" state) and a
        // handler with the SA_SIGINFO signature.
        unsafe {
            let page = libc::sysconf(libc::_SC_PAGESIZE);
            if page > 0 {
                PAGE.store(page as usize, SeqCst);
            }
            let mut old: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(libc::SIGBUS, std::ptr::null(), &mut old) != 0 {
                return;
            }
            let _ = PREVIOUS.set(old);
            let mut new: libc::sigaction = std::mem::zeroed();
            new.sa_sigaction = on_sigbus as *const () as usize;
            new.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
            libc::sigemptyset(&mut new.sa_mask);
            libc::sigaction(libc::SIGBUS, &new, std::ptr::null_mut());
        }
    });
}

/// The live range containing `addr`, if any.
fn find(addr: usize) -> Option<&'static Range> {
    TABLE[..USED.load(SeqCst).min(SLOTS)].iter().find(|r| {
        let seq = r.seq.load(SeqCst);
        seq % 2 == 1
            && (r.start.load(SeqCst)..r.end.load(SeqCst)).contains(&addr)
            && r.seq.load(SeqCst) == seq
    })
}

extern "C" fn on_sigbus(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid siginfo_t for an SA_SIGINFO handler.
    let (addr, code) = unsafe { ((*info).si_addr() as usize, (*info).si_code) };
    // Only a fault (si_code > 0) has a meaningful address: a SIGBUS sent by
    // kill/sigqueue is never taken for ours.
    let ours = if code > 0 { find(addr) } else { None };
    if let Some(r) = ours {
        let page = PAGE.load(SeqCst);
        // SAFETY: the page lies inside a mapping this library made and still owns
        // (its Guard is live); replacing it with a private zero page changes only
        // bytes the running call is reading or writing, and that call will fail.
        let p = unsafe {
            libc::mmap(
                (addr & !(page - 1)) as *mut libc::c_void,
                page,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                -1,
                0,
            )
        };
        if p != libc::MAP_FAILED {
            r.faulted.store(true, SeqCst);
            return;
        }
    }
    // SAFETY: chaining to the previous action with the arguments we were given, or
    // restoring the default action; all calls are async-signal-safe.
    unsafe { chain(sig, info, ctx) }
}

/// Not ours: what would have happened without this module.
unsafe fn chain(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    let (handler, flags) = PREVIOUS
        .get()
        .map_or((libc::SIG_DFL, 0), |p| (p.sa_sigaction, p.sa_flags));
    let sent = (*info).si_code <= 0; // kill()/sigqueue(), not a fault
    if handler == libc::SIG_IGN && sent {
        return;
    }
    if handler == libc::SIG_DFL || handler == libc::SIG_IGN {
        // A fault cannot be ignored: die of it, as the default action does.
        let mut dfl: libc::sigaction = std::mem::zeroed();
        dfl.sa_sigaction = libc::SIG_DFL;
        libc::sigaction(sig, &dfl, std::ptr::null_mut());
        libc::raise(sig);
        return;
    }
    if flags & libc::SA_SIGINFO != 0 {
        let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
            std::mem::transmute(handler);
        f(sig, info, ctx);
    } else {
        let f: extern "C" fn(libc::c_int) = std::mem::transmute(handler);
        f(sig);
    }
}
