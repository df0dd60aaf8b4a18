//! [`StoreProblem`]: a team store that could not be read, as the errors and the team views
//! report it. A leaf (it imports nothing of the core), so `error.rs` can name it without
//! importing `ctx.rs`; re-exported there under its old path `ctx::StoreProblem`.

/// A team store that could not be read (whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreProblem {
    pub store: String,
    /// The sentence saying why.
    pub why: String,
    /// The error's code ([`crate::Error::code`]: `store_offline`, `store_unauthorized`, …).
    pub code: &'static str,
}

impl std::fmt::Display for StoreProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "team store \"{}\": {}", self.store, self.why)
    }
}

/// Team stores that could not be read.
pub type StoreProblems = Vec<StoreProblem>;
