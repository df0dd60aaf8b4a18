//! SimCred's secrets layer: the [`store::SecretStore`] trait every place a secret can live
//! implements, and those places: the OS keyring ([`store::KeyringStore`]), the Linux kernel
//! keyring ([`kernel`]), a team vault (the KV v2 client [`vault`] and its store
//! [`vault_store`]), and, for tests, an in-memory store ([`memory`], feature `memory`). It
//! depends only on the base layer; which secret goes to which store is the core's business.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod kernel;
#[cfg(any(test, feature = "memory"))]
pub mod memory;
pub mod store;
pub mod vault;
pub mod vault_login;
pub mod vault_store;

// The base layer's parts under the paths this crate's files use.
pub(crate) use simcred_base::{http, secret, text};
