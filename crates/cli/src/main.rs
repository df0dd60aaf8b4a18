//! `simcred`: the command-line face of SimCred. Parses arguments, calls `simcred-core`, prints.
//! Secrets are read from standard input or a no-echo prompt, never from arguments.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod cli;
mod registry;

fn main() {
    std::process::exit(cli::run());
}
