//! Running `simcred run`'s child as a parent that stays (when a private handoff directory must
//! be removed afterwards): Ctrl-C and Ctrl-\ reach the child from the terminal and are ignored
//! here; SIGTERM and SIGHUP sent to SimCred are passed on to the child; the exit code is the
//! child's, or 128 + the signal that ended it.

use anyhow::{Context, Result};
use std::process::Command;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Duration;

/// The last SIGTERM or SIGHUP received, to pass on.
static PENDING: AtomicI32 = AtomicI32::new(0);

#[cfg(unix)]
extern "C" fn remember(sig: libc::c_int) {
    PENDING.store(sig, Ordering::SeqCst);
}

/// Starts `cmd`, waits for it while passing signals on, and returns its exit code.
pub fn run_and_wait(mut cmd: Command, program: &str) -> Result<i32> {
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot run {program}"))?;
    #[cfg(unix)]
    // SAFETY: installs async-signal-safe handlers (an atomic store) and ignores the terminal's
    // interrupt signals, which the child receives itself as part of the foreground group.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_IGN);
        libc::signal(libc::SIGQUIT, libc::SIG_IGN);
        let h = remember as extern "C" fn(libc::c_int) as libc::sighandler_t;
        libc::signal(libc::SIGTERM, h);
        libc::signal(libc::SIGHUP, h);
    }
    loop {
        if let Some(status) = child.try_wait().context("cannot wait for the command")? {
            #[cfg(unix)]
            {
                use std::os::unix::process::ExitStatusExt;
                if let Some(sig) = status.signal() {
                    return Ok(128 + sig);
                }
            }
            return Ok(status.code().unwrap_or(1));
        }
        let sig = PENDING.swap(0, Ordering::SeqCst);
        #[cfg(unix)]
        if sig != 0 {
            if let Ok(pid) = i32::try_from(child.id()) {
                // SAFETY: sends a signal to our own child process.
                unsafe {
                    libc::kill(pid, sig);
                }
            }
        }
        #[cfg(not(unix))]
        let _ = sig;
        std::thread::sleep(Duration::from_millis(20));
    }
}
