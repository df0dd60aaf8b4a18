//! SimCred's base layer, below everything else: text made safe to show ([`text`]), the
//! [`Secret`] type, regular-file IO and atomic writes ([`fsio`], [`atomic`]) and the one HTTP
//! client ([`http`]). It knows nothing of profiles, stores or vendors; every other SimCred crate
//! depends on it, and it depends on none of them.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod atomic;
pub mod fsio;
pub mod http;
pub mod runtime;
pub mod secret;
pub mod text;

pub use secret::Secret;
