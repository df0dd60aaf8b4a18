//! `run --mask` on a terminal: the child gets a pseudo-terminal of its own, so it sees a
//! terminal as it would without SimCred (colours, progress bars, prompts, its size), while
//! everything it prints passes through SimCred's mask on the way to the real terminal.
//!
//! The child is a session leader with the pseudo-terminal as its controlling terminal, on its
//! standard output, and on its standard input and error when SimCred's own are terminals (a
//! piped stdin is passed to it as it is, a redirected stderr goes through a masked pipe). While
//! it runs, SimCred's terminal is in raw mode, so keys (Ctrl-C included) reach the child's
//! terminal, which handles them as the real one would; the modes are restored on every way out
//! (the child's end, a signal passed on, an error, a panic). The terminal's size is copied at
//! the start and on every SIGWINCH. SIGTERM and SIGHUP are passed on to the child as in the
//! pipe path; SIGINT and SIGQUIT sent to SimCred go to the foreground of the child's terminal,
//! as a terminal would send them.

use crate::mask::Masker;
use anyhow::{Context, Result};
use simcred_core::Secret;
use std::io::{IsTerminal, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};

/// A SIGWINCH arrived: copy the size again.
static WINCH: AtomicBool = AtomicBool::new(false);

extern "C" fn on_winch(_: libc::c_int) {
    WINCH.store(true, Ordering::SeqCst);
}

/// The two ends of a fresh pseudo-terminal, both close-on-exec.
struct Pty {
    master: OwnedFd,
    slave: OwnedFd,
}

fn last_error() -> std::io::Error {
    std::io::Error::last_os_error()
}

/// Opens a pseudo-terminal (`/dev/ptmx` on Linux, `openpty` elsewhere).
fn open_pty() -> std::io::Result<Pty> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    // SAFETY: plain system calls on descriptors this function owns; `name` is a buffer of the
    // length passed, NUL-terminated by ptsname_r on success.
    unsafe {
        let m = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC);
        if m < 0 {
            return Err(last_error());
        }
        let master = OwnedFd::from_raw_fd(m);
        if libc::grantpt(m) != 0 || libc::unlockpt(m) != 0 {
            return Err(last_error());
        }
        let mut name = [0 as libc::c_char; 128];
        let r = libc::ptsname_r(m, name.as_mut_ptr(), name.len());
        if r != 0 {
            return Err(std::io::Error::from_raw_os_error(r));
        }
        let s = libc::open(
            name.as_ptr(),
            libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC,
        );
        if s < 0 {
            return Err(last_error());
        }
        Ok(Pty {
            master,
            slave: OwnedFd::from_raw_fd(s),
        })
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    // SAFETY: openpty writes two descriptors, which this function then owns.
    unsafe {
        let (mut m, mut s) = (-1, -1);
        if libc::openpty(
            &mut m,
            &mut s,
            std::ptr::null_mut::<libc::c_char>(),
            std::ptr::null_mut::<libc::termios>(),
            std::ptr::null_mut::<libc::winsize>(),
        ) != 0
        {
            return Err(last_error());
        }
        let pty = Pty {
            master: OwnedFd::from_raw_fd(m),
            slave: OwnedFd::from_raw_fd(s),
        };
        for fd in [m, s] {
            libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
        }
        Ok(pty)
    }
}

/// The terminal modes of `fd`, if it is a terminal.
fn modes(fd: RawFd) -> Option<libc::termios> {
    // SAFETY: tcgetattr fills the struct it is given; an all-zero termios is a valid value.
    unsafe {
        let mut t: libc::termios = std::mem::zeroed();
        (libc::tcgetattr(fd, &mut t) == 0).then_some(t)
    }
}

/// The window size of terminal `fd`.
fn size(fd: RawFd) -> Option<libc::winsize> {
    // SAFETY: TIOCGWINSZ fills the winsize it is given.
    unsafe {
        let mut w: libc::winsize = std::mem::zeroed();
        (libc::ioctl(fd, libc::TIOCGWINSZ as _, &mut w) == 0 && w.ws_col > 0).then_some(w)
    }
}

fn set_size(fd: RawFd, w: &libc::winsize) {
    // SAFETY: TIOCSWINSZ reads the winsize it is given.
    unsafe {
        libc::ioctl(fd, libc::TIOCSWINSZ as _, w);
    }
}

/// SimCred's terminal in raw mode; the modes it had come back when this is dropped.
struct RawMode {
    fd: RawFd,
    saved: libc::termios,
}

impl RawMode {
    fn enter(fd: RawFd) -> Option<RawMode> {
        let saved = modes(fd)?;
        let mut raw = saved;
        // SAFETY: cfmakeraw edits the struct it is given; tcsetattr reads it.
        unsafe {
            libc::cfmakeraw(&mut raw);
            (libc::tcsetattr(fd, libc::TCSADRAIN, &raw) == 0).then_some(RawMode { fd, saved })
        }
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        // SAFETY: restores the modes read from this descriptor before.
        unsafe {
            libc::tcsetattr(self.fd, libc::TCSADRAIN, &self.saved);
        }
    }
}

/// A best-effort write of all of `data` to `to` (SimCred's stdout); false once it fails.
fn put(to: &mut impl Write, data: &[u8]) -> bool {
    data.is_empty() || to.write_all(data).and_then(|()| to.flush()).is_ok()
}

/// Runs `cmd` on a pseudo-terminal of its own, its output masked onto SimCred's stdout (a
/// terminal), and returns its exit code.
pub fn run(
    mut cmd: Command,
    program: &str,
    secrets: &[Secret],
    started: impl FnOnce(u32),
) -> Result<i32> {
    let stdin_tty = std::io::stdin().is_terminal();
    let stderr_tty = std::io::stderr().is_terminal();
    let pty = open_pty().context("cannot open a pseudo-terminal for the command")?;
    // The child's terminal starts as SimCred's: same modes, same size.
    let from = if stdin_tty { 0 } else { 1 };
    if let Some(t) = modes(from) {
        // SAFETY: sets modes read from a terminal on the new one.
        unsafe {
            libc::tcsetattr(pty.slave.as_raw_fd(), libc::TCSANOW, &t);
        }
    }
    if let Some(w) = size(1) {
        set_size(pty.slave.as_raw_fd(), &w);
    }
    let end = || -> Result<Stdio> {
        Ok(Stdio::from(pty.slave.try_clone().context(
            "cannot open a pseudo-terminal for the command",
        )?))
    };
    cmd.stdout(end()?);
    if stdin_tty {
        cmd.stdin(end()?);
    }
    if stderr_tty {
        cmd.stderr(end()?);
    } else {
        cmd.stderr(Stdio::piped());
    }
    // SAFETY: runs in the child between fork and exec, and calls only setsid and ioctl, both
    // async-signal-safe. Standard output is the pseudo-terminal by then.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() < 0 || libc::ioctl(1, libc::TIOCSCTTY as _, 0) < 0 {
                return Err(last_error());
            }
            Ok(())
        });
    }
    crate::signals::catch_signals(true);
    // SAFETY: installs an async-signal-safe handler (an atomic store).
    unsafe {
        libc::signal(
            libc::SIGWINCH,
            on_winch as extern "C" fn(libc::c_int) as libc::sighandler_t,
        );
    }
    // Raw before the child starts, so its first prompt finds the terminal as it will stay.
    let raw = if stdin_tty { RawMode::enter(0) } else { None };
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot run {program}"))?;
    started(child.id());
    // Only the child holds the terminal's other end now: its end shows as the end of output.
    drop(cmd);
    let Pty { master, slave } = pty;
    drop(slave);
    let m = master.as_raw_fd();
    // SAFETY: makes our own descriptor non-blocking.
    unsafe {
        let fl = libc::fcntl(m, libc::F_GETFL);
        libc::fcntl(m, libc::F_SETFL, fl | libc::O_NONBLOCK);
    }
    let err_pump = child.stderr.take().map(|e| {
        let s = secrets.to_vec();
        std::thread::spawn(move || crate::mask::pump(e, std::io::stderr(), s))
    });

    let mut masker = Masker::new(secrets);
    let mut out = std::io::stdout().lock();
    let mut writing = true;
    let mut reading_out = true;
    let mut reading_in = stdin_tty;
    let mut to_child: Vec<u8> = Vec::new();
    let mut buf = [0u8; 8192];
    let pid = i32::try_from(child.id()).ok();
    let status = loop {
        if let Some(sig) = crate::signals::pending_signal() {
            // SAFETY: signals our own child, or the foreground group of its terminal.
            unsafe {
                let group = libc::tcgetpgrp(m);
                match (sig, pid) {
                    (libc::SIGINT | libc::SIGQUIT, _) if group > 0 => {
                        libc::kill(-group, sig);
                    }
                    (_, Some(p)) => {
                        libc::kill(p, sig);
                    }
                    _ => {}
                }
            }
        }
        if WINCH.swap(false, Ordering::SeqCst) {
            if let Some(w) = size(1) {
                set_size(m, &w);
            }
        }
        let done = child.try_wait().context("cannot wait for the command")?;
        if let (Some(st), false) = (done, reading_out) {
            break st;
        }
        if !reading_out {
            to_child.clear();
        }
        let mut fds = Vec::with_capacity(2);
        if reading_out {
            let mut ev = libc::POLLIN;
            if !to_child.is_empty() {
                ev |= libc::POLLOUT;
            }
            fds.push(libc::pollfd {
                fd: m,
                events: ev,
                revents: 0,
            });
        }
        if reading_in && to_child.len() < 64 * 1024 {
            fds.push(libc::pollfd {
                fd: 0,
                events: libc::POLLIN,
                revents: 0,
            });
        }
        // A timeout, to see the child's end (and signals) also when nothing is printed.
        // SAFETY: polls descriptors this function holds, in a vector of the length passed.
        let r = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, 20) };
        if r <= 0 {
            continue; // timeout, or a signal (EINTR): go round.
        }
        for p in &fds {
            if p.revents == 0 {
                continue;
            }
            if p.fd == m {
                if p.revents & libc::POLLOUT != 0 {
                    // SAFETY: writes from a live buffer of the length passed.
                    let n = unsafe { libc::write(m, to_child.as_ptr().cast(), to_child.len()) };
                    if n > 0 {
                        to_child.drain(..n as usize);
                    }
                }
                if p.revents & (libc::POLLIN | libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0
                {
                    // SAFETY: reads into a live buffer of the length passed.
                    let n = unsafe { libc::read(m, buf.as_mut_ptr().cast(), buf.len()) };
                    if n > 0 {
                        let shown = masker.feed(&buf[..n as usize]);
                        writing = writing && put(&mut out, &shown);
                    } else if n == 0
                        || !matches!(
                            last_error().kind(),
                            std::io::ErrorKind::Interrupted | std::io::ErrorKind::WouldBlock
                        )
                    {
                        // EIO: every end of the child's terminal is closed.
                        reading_out = false;
                    }
                }
            } else if p.revents & (libc::POLLIN | libc::POLLHUP | libc::POLLERR | libc::POLLNVAL)
                != 0
            {
                // SAFETY: reads into a live buffer of the length passed.
                let n = unsafe { libc::read(0, buf.as_mut_ptr().cast(), buf.len()) };
                if n > 0 {
                    to_child.extend_from_slice(&buf[..n as usize]);
                } else if n == 0
                    || !matches!(
                        last_error().kind(),
                        std::io::ErrorKind::Interrupted | std::io::ErrorKind::WouldBlock
                    )
                {
                    reading_in = false;
                }
            }
        }
    };
    if writing {
        put(&mut out, &masker.finish());
    }
    drop(out);
    if let Some(p) = err_pump {
        let _ = p.join();
    }
    drop(raw);
    Ok(crate::signals::exit_code(status))
}
