//! The signals `simcred run` passes on to a child it stays the parent of (SIGTERM and SIGHUP,
//! and on a pseudo-terminal SIGINT and SIGQUIT too), and the exit code a child's end gives
//! SimCred. Used by both ways of running the child: pipes (`child.rs`) and a pseudo-terminal
//! (`pty.rs`).

use std::process::ExitStatus;
use std::sync::atomic::{AtomicI32, Ordering};

/// The last SIGTERM or SIGHUP received, to pass on.
static PENDING: AtomicI32 = AtomicI32::new(0);

#[cfg(unix)]
extern "C" fn remember(sig: libc::c_int) {
    PENDING.store(sig, Ordering::SeqCst);
}

/// The signal to pass on that arrived last, if any (taken).
pub fn pending_signal() -> Option<i32> {
    Some(PENDING.swap(0, Ordering::SeqCst)).filter(|s| *s != 0)
}

/// Remembers SIGTERM and SIGHUP (and with `interrupts`, SIGINT and SIGQUIT) for
/// [`pending_signal`]; without it, SIGINT and SIGQUIT are ignored, as the terminal sends them
/// to the child too.
#[cfg(unix)]
pub fn catch_signals(interrupts: bool) {
    let h = remember as extern "C" fn(libc::c_int) as libc::sighandler_t;
    // SAFETY: installs async-signal-safe handlers (an atomic store), or ignores a signal.
    unsafe {
        let int = if interrupts { h } else { libc::SIG_IGN };
        libc::signal(libc::SIGINT, int);
        libc::signal(libc::SIGQUIT, int);
        libc::signal(libc::SIGTERM, h);
        libc::signal(libc::SIGHUP, h);
    }
}

/// Windows: Ctrl-C and Ctrl-Break go to every process attached to the console, the child
/// included. SimCred lets them pass by (its handler says "handled"), so that the child decides
/// what an interrupt means and SimCred outlives it to put the vendor's files back and remove the
/// hand-over directory. A closing console window or a log-off still ends SimCred (the system
/// allows no refusal there); the next `run` or `audit` then cleans up what it left.
#[cfg(windows)]
pub fn let_console_interrupts_pass() {
    use windows_sys::Win32::System::Console::{
        SetConsoleCtrlHandler, CTRL_BREAK_EVENT, CTRL_C_EVENT,
    };
    unsafe extern "system" fn handler(kind: u32) -> windows_sys::Win32::Foundation::BOOL {
        i32::from(kind == CTRL_C_EVENT || kind == CTRL_BREAK_EVENT)
    }
    // SAFETY: registers a handler that only compares its argument; it stays valid for the
    // whole process (a plain function).
    unsafe {
        SetConsoleCtrlHandler(Some(handler), 1);
    }
}

/// The exit code for SimCred: the child's, or 128 + the signal that ended it.
pub fn exit_code(status: ExitStatus) -> i32 {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return 128 + sig;
        }
    }
    status.code().unwrap_or(1)
}
