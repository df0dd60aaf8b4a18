//! Reading `profiles.toml` (and a team profile's entry, which has the same shape): TOML to
//! profiles and stores, every value checked, anything SimCred cannot use an error with its line.

use super::error::ConfigError;
use crate::profile::{KeyMeta, KeyStatus, Profile, Service};
use crate::store_config::StoreConfig;
use std::collections::BTreeMap;
use std::path::Path;
use toml_edit::{DocumentMut, ImDocument, Item};

/// The top-level key holding this config dir's keyring namespace (see [`ConfigStore::keyring_id`]).
pub const KEYRING_ID: &str = "keyring_id";

pub(crate) use crate::text::line_of;

/// Parses the text of a `profiles.toml` (named `profiles.toml` in messages) into profiles.
/// Every TOML shape that means the same thing is accepted (inline tables, dotted keys);
/// anything SimCred cannot use is an error with the line.
pub fn parse_profiles(text: &str) -> Result<Vec<Profile>, ConfigError> {
    parse(Path::new("profiles.toml"), text).map(|(_, p)| p)
}

/// Refuses a setting value with characters that have no business in a setting.
fn check_setting_value(profile: &str, key: &str, v: &str) -> Result<(), String> {
    if v.chars().any(crate::text::is_unsafe) {
        return Err(format!(
            "setting `{}` of profile \"{profile}\" contains a control character",
            crate::text::safe(key)
        ));
    }
    Ok(())
}

/// The `[stores.NAME]` tables: `kind` (openbao, vault, kernel — the kernel keyring takes nothing else), `addr`, `mount`, `prefix`,
/// `namespace`, `ca_bundle`; anything else or of the wrong type is an error with its line.
pub(crate) fn parse_stores_in(
    im: &ImDocument<String>,
    invalid: &dyn Fn(usize, String) -> ConfigError,
) -> Result<Vec<StoreConfig>, ConfigError> {
    let Some(item) = im.get("stores") else {
        return Ok(Vec::new());
    };
    let table = item.as_table_like().ok_or_else(|| {
        invalid(
            span_start(item),
            "`stores` must be a table of stores".into(),
        )
    })?;
    let mut out = Vec::new();
    for (name, item) in table.iter() {
        crate::profile::validate_name("store", name).map_err(|m| invalid(span_start(item), m))?;
        let t = item.as_table_like().ok_or_else(|| {
            invalid(
                span_start(item),
                format!("store \"{name}\" must be a table"),
            )
        })?;
        let text = |k: &str| -> Result<Option<String>, ConfigError> {
            match t.get(k) {
                None => Ok(None),
                Some(v) => match v.as_str() {
                    Some(s) if !s.chars().any(crate::text::is_unsafe) => Ok(Some(s.to_string())),
                    _ => Err(invalid(
                        span_start(v),
                        format!(
                            "`{k}` of store \"{name}\" must be a string without control characters"
                        ),
                    )),
                },
            }
        };
        let kind_item = t.get("kind");
        let kind = text("kind")?
            .and_then(|k| crate::store_config::StoreKind::parse(&k))
            .ok_or_else(|| {
                invalid(
                    kind_item
                        .map(span_start)
                        .unwrap_or_else(|| span_start(item)),
                    format!("store \"{name}\" needs `kind = \"openbao\"`, `kind = \"vault\"` or `kind = \"kernel\"`"),
                )
            })?;
        let cfg = StoreConfig {
            name: name.to_string(),
            kind,
            addr: text("addr")?,
            mount: text("mount")?.unwrap_or_else(|| crate::store_config::DEFAULT_MOUNT.into()),
            prefix: text("prefix")?.unwrap_or_else(|| crate::store_config::DEFAULT_PREFIX.into()),
            namespace: text("namespace")?,
            ca_bundle: text("ca_bundle")?,
        };
        for (k, v) in t.iter() {
            if !kind.holds_profiles() && k != "kind" {
                return Err(invalid(
                    span_start(v),
                    format!(
                        "store \"{name}\" is the kernel keyring: `{}` does not apply to it (only `kind`)",
                        crate::text::safe(k)
                    ),
                ));
            }
            if !["kind", "addr", "mount", "prefix", "namespace", "ca_bundle"].contains(&k) {
                return Err(invalid(
                    span_start(v),
                    format!(
                        "store \"{name}\" has an unknown setting `{}` (kind, addr, mount, prefix, namespace, ca_bundle)",
                        crate::text::safe(k)
                    ),
                ));
            }
        }
        for (k, v) in [("mount", &cfg.mount), ("prefix", &cfg.prefix)] {
            if v.is_empty() || v.split('/').any(|p| p.is_empty() || p == "." || p == "..") {
                return Err(invalid(
                    span_start(item),
                    format!("`{k}` of store \"{name}\" must be a path like team/a (no empty, . or .. parts)"),
                ));
            }
        }
        out.push(cfg);
    }
    Ok(out)
}

pub(crate) fn parse(path: &Path, text: &str) -> Result<(DocumentMut, Vec<Profile>), ConfigError> {
    parse_all(path, text).map(|(doc, profiles, _)| (doc, profiles))
}

/// [`parse`], and the `[stores.NAME]` tables it checked on the way (one parse for both).
pub(crate) fn parse_all(
    path: &Path,
    text: &str,
) -> Result<(DocumentMut, Vec<Profile>, Vec<StoreConfig>), ConfigError> {
    let invalid = |offset: usize, message: String| ConfigError::Invalid {
        path: path.to_path_buf(),
        line: line_of(text, offset),
        message,
    };
    let im = ImDocument::parse(text.to_string()).map_err(|e| {
        let offset = e.span().map(|s| s.start).unwrap_or(0);
        let msg = crate::text::safe_short(e.message().trim(), 200);
        invalid(offset, format!("not valid TOML: {msg}"))
    })?;
    if let Some(id) = im.get(KEYRING_ID) {
        let ok = id.as_str().is_some_and(|s| {
            !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric())
        });
        if !ok {
            return Err(invalid(
                span_start(id),
                format!("`{KEYRING_ID}` must be a string of letters and digits (SimCred writes it; delete the line to get a new one)"),
            ));
        }
    }
    let stores = parse_stores_in(&im, &invalid)?;
    let store_names: Vec<String> = stores.iter().map(|s| s.name.clone()).collect();
    let mut profiles = Vec::new();
    if let Some(item) = im.get("profiles") {
        let table = item.as_table_like().ok_or_else(|| {
            invalid(
                span_start(item),
                "`profiles` must be a table of profiles".into(),
            )
        })?;
        for (name, item) in table.iter() {
            crate::profile::validate_name("profile", name)
                .map_err(|m| invalid(span_start(item), m))?;
            let pt = item.as_table_like().ok_or_else(|| {
                invalid(
                    span_start(item),
                    format!("profile \"{name}\" must be a table"),
                )
            })?;
            let service_item = pt.get("service").ok_or_else(|| {
                invalid(
                    span_start(item),
                    format!(
                        "profile \"{name}\" has no `service` ({})",
                        Service::all()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?;
            let service: Service = service_item
                .as_str()
                .ok_or_else(|| "`service` must be a string".to_string())
                .and_then(|s| s.parse())
                .map_err(|m| invalid(span_start(service_item), m))?;
            let mut settings = BTreeMap::new();
            let mut store = None;
            let mut default_key = None;
            let mut keys = Vec::new();
            let mut tokens = Vec::new();
            for (k, v) in pt.iter() {
                match k {
                    "service" => {}
                    "store" => {
                        let n = v.as_str().ok_or_else(|| {
                            invalid(span_start(v), "`store` must be a store's name".into())
                        })?;
                        if !store_names.iter().any(|x| x == n) {
                            return Err(invalid(
                                span_start(v),
                                format!(
                                    "profile \"{name}\" names store \"{}\", which has no [stores.{}] table",
                                    crate::text::safe(n),
                                    crate::text::safe(n)
                                ),
                            ));
                        }
                        store = Some(n.to_string());
                    }
                    "default_key" => {
                        let d = v.as_str().ok_or_else(|| {
                            invalid(span_start(v), "`default_key` must be a string".into())
                        })?;
                        crate::profile::validate_name("key", d)
                            .map_err(|m| invalid(span_start(v), format!("`default_key`: {m}")))?;
                        default_key = Some(d.to_string())
                    }
                    "keys" | "tokens" => {
                        let kt = v.as_table_like().ok_or_else(|| {
                            invalid(span_start(v), format!("`{k}` must be a table"))
                        })?;
                        for (kn, kv) in kt.iter() {
                            let what = if k == "keys" { "key" } else { "token" };
                            crate::profile::validate_name(what, kn)
                                .map_err(|m| invalid(span_start(kv), m))?;
                            let meta = parse_key(kn, kv, &invalid)?;
                            if k == "keys" {
                                keys.push(meta);
                            } else {
                                tokens.push(meta);
                            }
                        }
                    }
                    _ => {
                        if let Some(val) = v.as_value() {
                            let s = match val {
                                toml_edit::Value::String(s) => s.value().clone(),
                                toml_edit::Value::Boolean(b) => b.value().to_string(),
                                toml_edit::Value::Integer(i) => i.value().to_string(),
                                toml_edit::Value::Float(f) => f.value().to_string(),
                                _ => continue, // arrays and tables of other tools are kept, not used
                            };
                            check_setting_value(name, k, &s)
                                .map_err(|m| invalid(span_start(v), m))?;
                            settings.insert(k.to_string(), s);
                        }
                    }
                }
            }
            if let Some(d) = &default_key {
                for k in keys.iter_mut() {
                    k.default = &k.name == d;
                }
            }
            profiles.push(Profile {
                name: name.to_string(),
                service,
                settings,
                default_key,
                keys,
                tokens,
                store,
            });
        }
    }
    profiles.sort_by(|a, b| a.name.cmp(&b.name));
    Ok((im.into_mut(), profiles, stores))
}

fn span_start(item: &Item) -> usize {
    item.span()
        .or_else(|| item.as_table().and_then(|t| t.span()))
        .map(|s| s.start)
        .unwrap_or(0)
}

fn parse_key(
    name: &str,
    item: &Item,
    invalid: &dyn Fn(usize, String) -> ConfigError,
) -> Result<KeyMeta, ConfigError> {
    let t = item
        .as_table_like()
        .ok_or_else(|| invalid(span_start(item), format!("key \"{name}\" must be a table")))?;
    // Metadata is shown to people: anything a hand edit or an old version put there is made safe.
    let get = |k: &str| -> Result<Option<String>, ConfigError> {
        match t.get(k) {
            None => Ok(None),
            Some(v) => v
                .as_str()
                .map(|s| Some(crate::text::safe(s)))
                .ok_or_else(|| {
                    invalid(
                        span_start(v),
                        format!("`{k}` of key \"{name}\" must be a string"),
                    )
                }),
        }
    };
    let status = match t.get("status") {
        None => KeyStatus::Unverified,
        Some(v) => v.as_str().and_then(KeyStatus::parse).ok_or_else(|| {
            invalid(
                span_start(v),
                format!("`status` of key \"{name}\" must be one of unverified, valid, invalid, unreachable, expired, revoked"),
            )
        })?,
    };
    let exported = match t.get("exported") {
        None => Vec::new(),
        Some(v) => v
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str())
                    .filter(|x| !x.chars().any(crate::text::is_unsafe))
                    .map(String::from)
                    .collect()
            })
            .ok_or_else(|| {
                invalid(
                    span_start(v),
                    format!("`exported` of key \"{name}\" must be an array of paths"),
                )
            })?,
    };
    let mut meta = KeyMeta {
        name: name.to_string(),
        created: get("created")?.unwrap_or_default(),
        last4: get("last4")?.unwrap_or_default(),
        status,
        checked: get("checked")?,
        detail: get("detail")?,
        expires: get("expires")?,
        exported,
        default: false,
        account: get("account")?,
        unreachable: get("unreachable")?,
        unreachable_detail: get("unreachable_detail")?,
        usage: get("usage")?,
    };
    if meta.status == KeyStatus::Unreachable {
        // Written by 0.1: "unreachable" was the status itself; it says nothing of the key.
        meta.status = KeyStatus::Unverified;
        meta.unreachable = meta.checked.take();
        meta.unreachable_detail = meta.detail.take();
    }
    Ok(meta)
}
