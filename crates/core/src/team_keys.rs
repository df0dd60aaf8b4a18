//! A team key's metadata and history: the metadata kept beside each key's secret as its KV v2
//! `custom_metadata` (written within the engine's limits, read back as other people's text),
//! and the versions a vault keeps of a key.

use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::profile::{KeyMeta, KeyStatus};
use crate::store::{SecretId, SecretKind, StoreError};
use crate::stores::VaultStore;
use crate::vault::CUSTOM_MAX_VALUE_LEN;
use std::collections::BTreeMap;

/// The vault path of key `name` of `profile` (its metadata sits on it).
pub(crate) fn key_path(profile: &str, name: &str) -> String {
    VaultStore::key_of(&SecretId::new(profile, SecretKind::ApiKey, name))
}

/// `s` cut to what KV v2 keeps in one `custom_metadata` value, at a character boundary.
fn fit(s: &str) -> String {
    let mut end = s.len().min(CUSTOM_MAX_VALUE_LEN);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

/// A key's metadata as its secret's KV v2 `custom_metadata`: one string per field, each within
/// the engine's limits (long texts are cut; `default` is the profile's, not the key's). Where
/// the key was exported is not in it: a path on one person's computer is theirs (it stays in
/// their `[signins.NAME]`), and teammates' `key replace` must not write to it.
pub(crate) fn key_to_custom(m: &KeyMeta) -> BTreeMap<String, String> {
    let mut c = BTreeMap::new();
    c.insert("created".into(), fit(&m.created));
    c.insert("last4".into(), fit(&m.last4));
    c.insert("status".into(), m.status.as_str().into());
    for (k, v) in [
        ("checked", &m.checked),
        ("detail", &m.detail),
        ("expires", &m.expires),
        ("account", &m.account),
        ("unreachable", &m.unreachable),
        ("unreachable_detail", &m.unreachable_detail),
        ("usage", &m.usage),
    ] {
        if let Some(v) = v {
            c.insert(k.into(), fit(v));
        }
    }
    c
}

/// A key's metadata from its secret's `custom_metadata`; `None` when SimCred wrote none there
/// (no `created`). The text is other people's: made safe to show, a status SimCred does not
/// know reads as unverified, and paths (`exported.N`, as an earlier version wrote them) are
/// never taken for files of this computer.
pub(crate) fn key_from_custom(name: &str, c: &BTreeMap<String, String>) -> Option<KeyMeta> {
    let created = c.get("created")?;
    let get = |k: &str| c.get(k).map(|v| crate::text::safe(v));
    let mut meta = KeyMeta {
        name: name.to_string(),
        created: crate::text::safe(created),
        last4: get("last4").unwrap_or_default(),
        status: c
            .get("status")
            .and_then(|s| KeyStatus::parse(s))
            .unwrap_or_default(),
        checked: get("checked"),
        detail: get("detail"),
        expires: get("expires"),
        exported: Vec::new(),
        default: false,
        account: get("account"),
        unreachable: get("unreachable"),
        unreachable_detail: get("unreachable_detail"),
        usage: get("usage"),
    };
    if meta.status == KeyStatus::Unreachable {
        meta.status = KeyStatus::Unverified;
    }
    Some(meta)
}

impl Ctx<'_> {
    /// The versions of a key of a team profile (when each value was written; never the
    /// values), oldest first. Local profiles keep no history.
    pub fn key_history(
        &self,
        profile: &str,
        name: Option<&str>,
    ) -> Result<Vec<crate::vault::VersionInfo>> {
        let prof = self.profile(profile)?;
        let key = crate::profile::resolve_key(&prof, name)?.name.clone();
        let Some(store) = prof.store.clone() else {
            return Err(Error::Invalid(format!(
                "profile \"{profile}\" is kept in this machine's keyring, which keeps no history; only team stores keep a key's versions"
            )));
        };
        let team = self.stores.team(&store)?;
        let id = crate::store::SecretId::new(profile, crate::store::SecretKind::ApiKey, &key);
        Ok(team
            .vault()
            .versions(&crate::stores::VaultStore::key_of(&id))
            .map_err(StoreError::from)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> KeyMeta {
        KeyMeta {
            name: "k".into(),
            created: "2026-01-01T00:00:00Z".into(),
            last4: "abcd".into(),
            status: KeyStatus::Valid,
            checked: Some("2026-01-02T00:00:00Z".into()),
            detail: Some("user ann".into()),
            exported: vec!["/home/ann/a.ini".into(), "/home/ann/b.key".into()],
            account: Some("ann@example.com".into()),
            ..Default::default()
        }
    }

    #[test]
    fn key_metadata_round_trips_through_custom_metadata() {
        let c = key_to_custom(&meta());
        // All but where it was exported, which is never shared.
        assert!(!c.values().any(|v| v.contains("/home/ann")), "{c:?}");
        let mine = KeyMeta {
            exported: vec![],
            ..meta()
        };
        assert_eq!(key_from_custom("k", &c), Some(mine));
        // Nothing SimCred wrote: no key metadata.
        assert_eq!(key_from_custom("k", &BTreeMap::new()), None);
    }

    #[test]
    fn custom_metadata_stays_within_the_engines_limits() {
        let mut m = meta();
        m.detail = Some("é".repeat(600));
        let c = key_to_custom(&m);
        assert!(c.len() <= crate::vault::CUSTOM_MAX_KEYS, "{}", c.len());
        for (k, v) in &c {
            assert!(k.len() <= crate::vault::CUSTOM_MAX_KEY_LEN, "{k}");
            assert!(v.len() <= CUSTOM_MAX_VALUE_LEN, "{k}: {}", v.len());
        }
        let back = key_from_custom("k", &c).unwrap();
        assert!(back.detail.unwrap().starts_with("éé"));
    }

    #[test]
    fn hostile_custom_metadata_is_made_safe() {
        let mut c = key_to_custom(&meta());
        c.insert("last4".into(), "\u{1b}]52;c;AAAA\u{7}".into());
        c.insert("status".into(), "pwned".into());
        c.insert("exported.0".into(), "/etc/passwd\n[evil]".into());
        let k = key_from_custom("k", &c).unwrap();
        assert!(
            !k.last4.chars().any(crate::text::is_unsafe),
            "{:?}",
            k.last4
        );
        assert_eq!(k.status, KeyStatus::Unverified);
        // A teammate's paths are never taken for files of this computer.
        assert!(k.exported.is_empty(), "{:?}", k.exported);
    }
}
