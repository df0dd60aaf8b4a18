//! One team profile's shared entry as SimCred reads and writes it: the entry's vault path, the
//! profile as read ([`TeamRead`]: the entry with its keys' metadata and this person's sign-in
//! put in), and the entry's text as it goes back (without the keys and the sign-in).

use crate::config::{Fragment, ProfilesDoc};
use crate::error::Result;
use std::collections::{BTreeMap, HashSet};
use toml_edit::{Item, Table};

/// The vault path of `profile`'s shared entry.
pub(crate) fn entry(profile: &str) -> String {
    format!("profiles/{profile}")
}

/// The name, in this computer's `[signins.NAME]`, of the table of where this person exported
/// each key of a team profile (`KEY = [paths]`).
pub(crate) const EXPORTED: &str = "exported";

/// One team profile as read: its entry with its keys' metadata (from beside each secret) and
/// this person's sign-in (from this computer) put in, so it is edited like a table of
/// `profiles.toml`.
pub(crate) struct TeamRead {
    /// The whole profile (entry, keys, sign-in) as one document.
    pub(crate) doc: ProfilesDoc,
    /// The entry's version, for check-and-set.
    pub(crate) version: u64,
    /// The entry still lists keys or tokens, as SimCred wrote it before keys' metadata moved
    /// beside the keys: moved out on the next write.
    pub(crate) legacy: bool,
    /// The entry lists sign-in tokens (and so its store may hold the secrets).
    pub(crate) legacy_tokens: bool,
    /// The keys whose metadata is already beside their secret.
    pub(crate) custom: HashSet<String>,
    /// The entry's own `username`, which stays there.
    pub(crate) entry_username: Option<Item>,
    /// This computer's `[signins.NAME]`, as read.
    pub(crate) signin: Option<Table>,
}

impl TeamRead {
    /// A profile that is not there (yet): for a new one, or one removed meanwhile.
    pub(crate) fn absent() -> Self {
        TeamRead {
            doc: Fragment::empty(),
            version: 0,
            legacy: false,
            legacy_tokens: false,
            custom: HashSet::new(),
            entry_username: None,
            signin: None,
        }
    }
}

/// The text of `doc` as it goes to the shared entry of `profile`: without the keys and the
/// sign-in, with the entry's own `username` (which was never this person's).
pub(crate) fn entry_text(
    doc: &ProfilesDoc,
    store: &str,
    profile: &str,
    username: Option<&Item>,
) -> Result<(String, Table)> {
    let mut d = Fragment::parse(store, &entry(profile), &doc.text())?;
    let parts = d.take_team_parts(profile);
    if let Some(u) = username {
        if d.profile(profile).is_some() {
            let mut t = Table::new();
            t.insert("username", u.clone());
            d.put_team_parts(profile, &t);
        }
    }
    Ok((d.text(), parts))
}

/// Where this person exported each key, from their `[signins.NAME]` (`exported.KEY = [paths]`).
pub(crate) fn local_exports(signin: Option<&Table>) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    let Some(t) = signin
        .and_then(|s| s.get(EXPORTED))
        .and_then(|e| e.as_table_like())
    else {
        return out;
    };
    for (k, v) in t.iter() {
        let paths: Vec<String> = v
            .as_array()
            .into_iter()
            .flat_map(|a| a.iter())
            .filter_map(|p| p.as_str())
            .map(str::to_string)
            .collect();
        if !paths.is_empty() {
            out.insert(k.to_string(), paths);
        }
    }
    out
}

/// The text of a table, to compare two.
pub(crate) fn table_text(t: Option<&Table>) -> String {
    t.filter(|t| !t.is_empty())
        .map(|t| {
            // As a document, so its sub-tables (each token's) are in the text too.
            let mut d = toml_edit::DocumentMut::new();
            d.insert("t", Item::Table(t.clone()));
            d.to_string()
        })
        .unwrap_or_default()
}
