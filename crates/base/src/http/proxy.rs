//! Which proxy a request goes through: the profile's `https_proxy`, else the environment's,
//! minus `NO_PROXY` (see the rules in [`super`]).

use url::Url;

/// A proxy URL with any user name and password left out, for messages.
pub(super) fn proxy_shown(p: &str) -> String {
    match Url::parse(p) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            crate::text::safe(u.as_str().trim_end_matches('/'))
        }
        Err(_) => "(unparsable proxy URL)".into(),
    }
}

/// Where a proxy setting came from.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum ProxySource {
    Profile,
    Env(&'static str),
}

/// The proxy in force for a profile, and the `NO_PROXY` list that applies to it.
#[derive(Debug, Clone)]
pub(super) struct ProxyChoice {
    pub(super) url: String,
    pub(super) source: ProxySource,
    pub(super) no_proxy: Vec<String>,
}

fn env_nonempty(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

pub(super) fn choose_proxy(profile_proxy: Option<&str>) -> Option<ProxyChoice> {
    if let Some(p) = profile_proxy.map(str::trim).filter(|p| !p.is_empty()) {
        return Some(ProxyChoice {
            url: p.to_string(),
            source: ProxySource::Profile,
            no_proxy: Vec::new(),
        });
    }
    let (name, url) = ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
        .into_iter()
        .find_map(|n| env_nonempty(n).map(|v| (n, v)))?;
    let no_proxy = env_nonempty("NO_PROXY")
        .or_else(|| env_nonempty("no_proxy"))
        .map(|v| {
            v.split([',', ' '])
                .map(|e| e.trim().to_ascii_lowercase())
                .filter(|e| !e.is_empty())
                .collect()
        })
        .unwrap_or_default();
    Some(ProxyChoice {
        url,
        source: ProxySource::Env(name),
        no_proxy,
    })
}

/// Whether a `NO_PROXY` list exempts `url`: `*`, a host name (also matching its subdomains,
/// with or without a leading dot), an IP address, each optionally with `:port`.
pub(super) fn no_proxy_matches(list: &[String], url: &Url) -> bool {
    let host = url
        .host_str()
        .unwrap_or("")
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    let port = url.port_or_known_default();
    list.iter().any(|entry| {
        if entry == "*" {
            return true;
        }
        let (name, eport) = match entry.rsplit_once(':') {
            Some((n, p)) if !n.contains(':') || n.ends_with(']') => (n, p.parse::<u16>().ok()),
            _ => (entry.as_str(), None),
        };
        if eport.is_some() && eport != port {
            return false;
        }
        let name = name
            .trim_start_matches('[')
            .trim_end_matches(']')
            .trim_start_matches("*.")
            .trim_start_matches('.');
        !name.is_empty() && (host == name || host.ends_with(&format!(".{name}")))
    })
}
