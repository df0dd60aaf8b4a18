//! The verb groups of the command line, one module each (the way gh lays out
//! `pkg/cmd/<group>/`): each holds its group's clap arguments and the functions that run them,
//! calling the core and printing. `cli.rs` parses and dispatches to them; what they share
//! (prompts, secrets from standard input, JSON) is in `ioutil.rs`.

pub mod api;
pub mod key;
pub mod profile;
pub mod project;
pub mod run;
pub mod sandbox;
pub mod signin;
pub mod status;
pub mod store;
pub mod vendor_files;
