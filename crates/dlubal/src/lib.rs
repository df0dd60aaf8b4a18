//! Dlubal's gRPC API, as far as SimCred needs it to check a key.
//!
//! The vendor's client (`dlubal-api` 2.16.4) talks to the running application (RFEM 6, RSTAB 9,
//! RSECTION) over gRPC, plain by default, with gzip and the key as `authorization: Bearer`
//! metadata on every call. Opening a client calls `get_application_info`; `get_subscription_info`
//! tells the company's plan and this month's request count. The wheel ships generated Python,
//! not `.proto` files: the messages here are written by hand from its descriptors
//! (`dlubal/api/common/common_messages_pb2.py`), field numbers and types as there.
//!
//! [`proto`] is shared by SimCred's check ([`client`]) and the sandbox's server, so both speak
//! exactly the same bytes.

pub mod client;
pub mod proto;

pub use client::{check, Answer, CheckError, Target, Tls};
pub use proto::Product;
