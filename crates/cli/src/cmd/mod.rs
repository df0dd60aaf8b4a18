//! The verb groups of the command line, one module each (the way gh lays out
//! `pkg/cmd/<group>/`): each holds its group's clap arguments and the functions that run them,
//! calling the core and printing. `cli.rs` parses and dispatches to them.

pub mod store;
