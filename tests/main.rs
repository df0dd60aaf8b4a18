//! The integration suite: one test binary (as ripgrep lays its tests out), one module per
//! topic, each driving the built `simcred` binary against the real Secret Service, the
//! loopback sandbox, scripted hostile peers or a real OpenBao server. What several topics
//! share (the private-user `Env`, the servers and harnesses) is the `simcred_tests` library
//! in `tests/support/`.
//!
//! Run it alone with `cargo test --test integration`; one topic with
//! `cargo test --test integration store_openbao::`.

mod cli_audit;
mod cli_clipboard;
mod cli_dlubal;
mod cli_edges;
mod cli_hostile_files;
mod cli_keys;
mod cli_modelon;
mod cli_project;
mod cli_registry;
mod cli_run;
mod cli_run_mask;
mod cli_run_simai;
mod cli_simai;
mod cli_status_check;
mod cli_vendor_files;
mod hostile_profiles;
mod hostile_proxy;
mod hostile_server;
mod leak;
mod store_kernel;
mod store_openbao;
