//! `simcred`: the command-line face of SimCred. Parses arguments, calls `simcred-core`, prints.
//! Secrets are read from standard input or a no-echo prompt, never from arguments.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod child;
mod cli;
mod cmd;
mod ioutil;
mod mask;
#[cfg(unix)]
mod pty;
mod registry;
mod signals;

fn main() {
    // A closed pipe (`simcred status | head -1`) ends the process quietly, as for any Unix tool,
    // instead of a panic in `println!`.
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread exists; resets one signal to its
    // default disposition.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    std::process::exit(cli::run());
}
