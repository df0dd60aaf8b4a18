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
    // instead of a panic in `println!`. SIGPIPE stays ignored (Rust's default): resetting it
    // would let a server that closes its socket kill SimCred mid-request (hyper and h2 write
    // with `writev`, which raises SIGPIPE, where a plain `send` would not).
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let msg = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("");
        if msg.starts_with("failed printing to stdout") && msg.contains("Broken pipe") {
            std::process::exit(141);
        }
        default_hook(info);
    }));
    std::process::exit(cli::run());
}
