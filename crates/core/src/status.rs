//! `status` as a pure function over the profiles and the secret store's answer: each profile's
//! typed [`ProfileState`] (with the words `status` prints), its problems, and whether anything
//! needs attention. Reads no secret and asks no server.

use crate::profile::{KeyMeta, KeyStatus, Profile, Service};
use crate::providers::KeyPolicy;
use crate::store::StoreError;
use serde::Serialize;
use std::fmt;

/// Whether the secret store can be used right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendState {
    /// It answers and is unlocked.
    Reachable,
    /// It answers but is locked: reading a secret would prompt (or wait) for a password.
    Locked,
    /// It does not answer.
    Unreachable,
}

/// Which sign-in token a state is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    /// The offline token (`offline_access`).
    Offline,
    /// The refresh token of a browser or password session.
    Session,
}

/// What a profile's credentials are like, from stored metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProfileState {
    /// A key profile without any key.
    NoKey,
    /// The worst status among the profile's keys.
    Key { status: KeyStatus },
    /// A sign-in profile with no token.
    SignedOut,
    /// A sign-in profile with a session's refresh token.
    SignedIn,
    /// A sign-in profile with a working offline token.
    OfflineToken {
        created: String,
        last_used: Option<String>,
    },
    /// A sign-in profile whose token was refused, revoked or expired.
    TokenProblem { token: TokenKind, status: KeyStatus },
    /// A sign-in profile signed in again (a working session) after its offline token was
    /// refused, revoked or expired: the app works, scripts that use the offline token need a
    /// new one. A new session supersedes "sign in again".
    SignedInOfflineProblem { status: KeyStatus },
    /// Keys stored for a service that cannot check them from here (neither good nor bad).
    Stored,
}

impl ProfileState {
    /// Whether the credential will not work as it is.
    pub fn needs_attention(&self) -> bool {
        match self {
            ProfileState::Key { status } | ProfileState::TokenProblem { status, .. } => {
                status.needs_attention()
            }
            _ => false,
        }
    }
}

impl fmt::Display for ProfileState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProfileState::NoKey => f.write_str("no key"),
            ProfileState::Stored => f.write_str("stored (not checkable)"),
            ProfileState::Key { status } => f.write_str(status.as_str()),
            ProfileState::SignedOut => f.write_str("signed out"),
            ProfileState::SignedIn => f.write_str("signed in"),
            ProfileState::OfflineToken { created, last_used } => write!(
                f,
                "offline token (created {created}{})",
                last_used
                    .as_deref()
                    .map(|c| format!(", last used {c}"))
                    .unwrap_or_default()
            ),
            ProfileState::SignedInOfflineProblem { status } => {
                write!(f, "signed in · offline token {status} — generate a new one")
            }
            ProfileState::TokenProblem { token, status } => write!(
                f,
                "{} {status}",
                match token {
                    TokenKind::Offline => "offline token",
                    TokenKind::Session => "session",
                }
            ),
        }
    }
}

/// One offline token a sign-in profile holds, by the client it is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientToken {
    /// The client id (SimAI: `com.ansys.simai.sdk`, the SDK's own, or `sdk`).
    pub client_id: String,
    pub status: KeyStatus,
    pub created: String,
    /// When it last gave an access token, if ever.
    pub last_used: Option<String>,
}

/// One profile's line in `status`.
#[derive(Debug, Clone, Serialize)]
pub struct ProfileStatus {
    pub name: String,
    pub service: Service,
    /// The state in words (what the CLI prints).
    pub state: String,
    /// The same state, typed, for the faces to render in their own words.
    pub condition: ProfileState,
    pub needs_attention: bool,
    pub keys: Vec<KeyMeta>,
    /// The team store holding the profile's secrets; `None`: the OS keyring.
    pub store: Option<String>,
    /// What that store keeps and for how long, where that is not "until deleted" (the kernel
    /// keyring: lost at reboot).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub survives: Option<&'static str>,
    /// When the cached access token expires (sign-in services).
    pub access_expires: Option<String>,
    /// The offline tokens, one per client, the default client's first (sign-in services).
    pub offline_tokens: Vec<ClientToken>,
    /// When the service last answered about the credential (RFC 3339), if ever.
    pub checked: Option<String>,
    /// Who the credential belongs to, as the service last said.
    pub account: Option<String>,
    /// When the latest attempt to ask the service got no answer, if it did not (the state
    /// above is then as of `checked`), and why.
    pub unreachable: Option<String>,
    pub unreachable_detail: Option<String>,
    /// Whether that attempt found nothing running at a server on this computer (a loopback
    /// URL; the app offers to start the sandbox for its demo profiles).
    pub local_server_down: bool,
    /// The plan and how much of it is used, as the service said at the last valid check of
    /// the credential above (Dlubal: "plan Pro · 1,234 of 10,000 API requests this month").
    pub usage: Option<String>,
    pub problems: Vec<String>,
}

/// Everything `status` shows.
#[derive(Debug, Clone, Serialize)]
pub struct StatusReport {
    pub backend: String,
    pub backend_state: BackendState,
    /// `None` when the backend answered unlocked; the reason otherwise.
    pub backend_error: Option<String>,
    pub config_file: String,
    pub profiles: Vec<ProfileStatus>,
    /// Team stores whose profiles could not be read, one sentence each.
    pub store_problems: Vec<String>,
    /// Warnings about how team stores are reached (TLS certificates not checked), one
    /// sentence each; like a profile's, they do not make the report need attention.
    pub store_warnings: Vec<String>,
    /// The project file (`.simcred.toml`) in force in the current directory, if any.
    pub project: Option<crate::project::ProjectFile>,
    /// What is wrong with it (a malformed file, a profile it names that does not exist), one
    /// sentence each naming the file and line.
    pub project_problems: Vec<String>,
    pub needs_attention: bool,
}

fn rank(s: KeyStatus) -> u8 {
    match s {
        KeyStatus::Valid => 0,
        KeyStatus::Unverified => 1,
        KeyStatus::Unreachable => 2,
        KeyStatus::Expired => 3,
        KeyStatus::Revoked => 4,
        KeyStatus::Restricted => 5,
        KeyStatus::Invalid => 6,
    }
}

fn with_detail(m: &KeyMeta) -> String {
    m.detail
        .as_deref()
        .map(|d| format!(": {d}"))
        .unwrap_or_default()
}

/// The state of one profile and its problems.
pub fn profile_status(p: Profile) -> ProfileStatus {
    let mut problems: Vec<String> = crate::settings::problems(&p)
        .iter()
        .map(|x| x.to_string())
        .collect();
    if crate::http::cert_checks_off(p.setting("tls_ca_bundle")) {
        problems.push(crate::http::cert_checks_off_warning(
            &format!("profile \"{}\"", p.name),
            "tls_ca_bundle",
        ));
    }
    problems.extend(p.service.provider().warnings(&p));
    for k in p.keys.iter().filter(|k| k.status.needs_attention()) {
        problems.push(format!(
            "key \"{}\" is {}{}",
            k.name,
            k.status,
            with_detail(k)
        ));
    }
    let sign_in = p.service.provider().key_policy() == KeyPolicy::TokensOnly;
    let offline_tokens: Vec<(String, KeyMeta)> = crate::signin::offline_tokens(&p);
    // A session that works after the offline token stopped working (signed in again): the
    // session is what the service now answers about, and what the state says.
    let session_ok = p
        .token(crate::signin::SESSION)
        .is_some_and(|s| !s.status.needs_attention());
    // The credential the service answers about: the token in use, else the default key.
    let asked = if sign_in {
        [crate::signin::OFFLINE, crate::signin::SESSION]
            .into_iter()
            .filter_map(|n| p.token(n))
            .find(|m| !(session_ok && m.status.needs_attention()))
            .or(offline_tokens.first().map(|(_, m)| m))
    } else {
        p.keys.iter().find(|k| k.default).or(p.keys.first())
    }
    .cloned();
    if let Some(u) = asked.as_ref().and_then(|a| a.unreachable.as_deref()) {
        // In words ("3 min ago"), as everywhere the app and the CLI show a time.
        let when = ago_now(u).unwrap_or_else(|| crate::text::safe(u));
        problems.push(format!(
            "the service did not answer when last asked ({when}){}",
            asked
                .as_ref()
                .and_then(|a| a.unreachable_detail.as_deref())
                .map(|d| format!(": {d}"))
                .unwrap_or_default()
        ));
    }
    if let Some(a) = p.token(crate::signin::ACCESS) {
        if a.status.needs_attention() {
            problems.push(format!(
                "the last access token was refused{}",
                with_detail(a)
            ));
        }
    }
    let checkable = p.service.provider().checkable();
    // Another client's token that does not work is worth a line of its own.
    for (client, m) in offline_tokens
        .iter()
        .filter(|(_, m)| m.name != crate::signin::OFFLINE && m.status.needs_attention())
    {
        problems.push(format!(
            "the offline token of client {client} is {}{}",
            m.status,
            with_detail(m)
        ));
    }
    let condition = if sign_in {
        // The default client's offline token, else the first working one of another client.
        let offline = p.token(crate::signin::OFFLINE).or_else(|| {
            offline_tokens
                .iter()
                .map(|(_, m)| m)
                .find(|m| !m.status.needs_attention())
                .or(offline_tokens.first().map(|(_, m)| m))
        });
        let session = p.token(crate::signin::SESSION);
        match (offline, session) {
            (Some(o), Some(_)) if o.status.needs_attention() && session_ok => {
                if o.name == crate::signin::OFFLINE {
                    problems.push(format!(
                        "the offline token is {} (signed in again since); scripts that use it need a new one: `simcred offline-token {}`",
                        o.status, p.name
                    ));
                }
                ProfileState::SignedInOfflineProblem { status: o.status }
            }
            (Some(o), _) if o.status.needs_attention() => {
                if o.name == crate::signin::OFFLINE {
                    problems.push(format!(
                        "the offline token is {}{}",
                        o.status,
                        with_detail(o)
                    ));
                }
                ProfileState::TokenProblem {
                    token: TokenKind::Offline,
                    status: o.status,
                }
            }
            (Some(o), _) => ProfileState::OfflineToken {
                created: o.created.clone(),
                last_used: o.checked.clone(),
            },
            (None, Some(s)) if s.status.needs_attention() => ProfileState::TokenProblem {
                token: TokenKind::Session,
                status: s.status,
            },
            (None, Some(_)) => ProfileState::SignedIn,
            (None, None) => ProfileState::SignedOut,
        }
    } else {
        p.keys
            .iter()
            .map(|k| k.status)
            .max_by_key(|s| rank(*s))
            .map(|status| match status {
                KeyStatus::Unverified if !checkable => ProfileState::Stored,
                status => ProfileState::Key { status },
            })
            .unwrap_or(ProfileState::NoKey)
    };
    let needs_attention = condition.needs_attention()
        || p.keys.iter().any(|k| k.status.needs_attention())
        || offline_tokens
            .iter()
            .any(|(_, m)| m.status.needs_attention());
    ProfileStatus {
        access_expires: p
            .token(crate::signin::ACCESS)
            .and_then(|a| a.expires.clone()),
        store: p.store.clone(),
        offline_tokens: offline_tokens
            .into_iter()
            .map(|(client_id, m)| ClientToken {
                client_id,
                status: m.status,
                created: m.created,
                last_used: m.checked,
            })
            .collect(),
        survives: None,
        checked: asked.as_ref().and_then(|a| a.checked.clone()),
        account: asked.as_ref().and_then(|a| a.account.clone()),
        unreachable: asked.as_ref().and_then(|a| a.unreachable.clone()),
        unreachable_detail: asked.as_ref().and_then(|a| a.unreachable_detail.clone()),
        local_server_down: asked.as_ref().is_some_and(|a| {
            a.unreachable.is_some()
                && a.unreachable_detail
                    .as_deref()
                    .is_some_and(|d| d.contains(crate::http::LOCAL_NOT_RUNNING))
        }),
        usage: asked.and_then(|a| a.usage),
        state: condition.to_string(),
        condition,
        name: p.name,
        service: p.service,
        needs_attention,
        keys: p.keys,
        problems,
    }
}

/// How long ago an RFC 3339 time was, in words: "just now", "5 s ago", "3 min ago",
/// "2 h ago", "4 days ago"; `None` when it cannot be read. A time in the future (a clock set
/// back) reads "just now".
pub fn ago(when: &str, now: chrono::DateTime<chrono::Utc>) -> Option<String> {
    let t = chrono::DateTime::parse_from_rfc3339(when).ok()?;
    let s = (now - t.with_timezone(&chrono::Utc)).num_seconds();
    Some(match s {
        i64::MIN..=4 => "just now".into(),
        5..=59 => format!("{s} s ago"),
        60..=3599 => format!("{} min ago", s / 60),
        3600..=86_399 => format!("{} h ago", s / 3600),
        86_400..=172_799 => "1 day ago".into(),
        _ => format!("{} days ago", s / 86_400),
    })
}

/// [`ago`] from now.
pub fn ago_now(when: &str) -> Option<String> {
    ago(when, chrono::Utc::now())
}

/// The whole report from the profiles and the store's answer to a probe.
pub fn report(
    profiles: Vec<Profile>,
    backend: String,
    probe: Result<(), StoreError>,
    config_file: String,
) -> StatusReport {
    let backend_state = match &probe {
        Ok(()) => BackendState::Reachable,
        Err(StoreError::Locked) => BackendState::Locked,
        Err(_) => BackendState::Unreachable,
    };
    let backend_error = probe.err().map(|e| e.to_string());
    let profiles: Vec<ProfileStatus> = profiles.into_iter().map(profile_status).collect();
    // An unreachable keyring matters when something lives there (or nothing is set up yet);
    // a headless machine whose profiles are all in other stores does not need one.
    let keyring_used = profiles.is_empty() || profiles.iter().any(|p| p.store.is_none());
    let needs_attention =
        (backend_error.is_some() && keyring_used) || profiles.iter().any(|p| p.needs_attention);
    StatusReport {
        backend,
        backend_state,
        backend_error,
        config_file,
        profiles,
        store_problems: Vec::new(),
        store_warnings: Vec::new(),
        project: None,
        project_problems: Vec::new(),
        needs_attention,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn ages_read_as_words() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-23T12:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let a = |t: &str| ago(t, now);
        assert_eq!(a("2026-11-23T12:00:00Z").as_deref(), Some("just now"));
        assert_eq!(a("2026-11-23T12:05:00Z").as_deref(), Some("just now"));
        assert_eq!(a("2026-11-23T11:59:30Z").as_deref(), Some("30 s ago"));
        assert_eq!(a("2026-11-23T11:57:00Z").as_deref(), Some("3 min ago"));
        assert_eq!(a("2026-11-23T09:00:00+00:00").as_deref(), Some("3 h ago"));
        assert_eq!(a("2026-11-22T11:00:00Z").as_deref(), Some("1 day ago"));
        assert_eq!(a("2026-11-13T12:00:00Z").as_deref(), Some("10 days ago"));
        assert_eq!(a("yesterday"), None);
    }

    fn key(name: &str, status: KeyStatus) -> KeyMeta {
        KeyMeta {
            name: name.into(),
            created: "2026-01-01T00:00:00Z".into(),
            last4: String::new(),
            status,
            checked: None,
            detail: None,
            expires: None,
            exported: vec![],
            default: false,
            ..Default::default()
        }
    }

    fn prof(service: &str, keys: Vec<KeyMeta>, tokens: Vec<KeyMeta>) -> Profile {
        Profile {
            name: "p".into(),
            service: service.parse().unwrap(),
            settings: BTreeMap::from([("organization".to_string(), "o".to_string())]),
            default_key: None,
            keys,
            tokens,
            store: None,
        }
    }

    #[test]
    fn states_are_typed_and_worded_as_before() {
        let s = profile_status(prof(
            "dlubal",
            vec![key("a", KeyStatus::Valid), key("b", KeyStatus::Invalid)],
            vec![],
        ));
        assert_eq!(
            s.condition,
            ProfileState::Key {
                status: KeyStatus::Invalid
            }
        );
        assert_eq!(s.state, "invalid");
        assert!(s.needs_attention);
        let s = profile_status(prof("dlubal", vec![], vec![]));
        assert_eq!(s.state, "no key");
        let s = profile_status(prof("simai", vec![], vec![]));
        assert_eq!(
            (s.condition.clone(), s.state.as_str()),
            (ProfileState::SignedOut, "signed out")
        );
        let s = profile_status(prof(
            "simai",
            vec![],
            vec![key("offline", KeyStatus::Revoked)],
        ));
        assert_eq!(s.state, "offline token revoked");
        assert!(s.needs_attention);
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["condition"]["kind"], "token_problem");
        assert_eq!(json["condition"]["token"], "offline");
        let s = profile_status(prof(
            "simai",
            vec![],
            vec![key("session", KeyStatus::Valid)],
        ));
        assert_eq!(s.state, "signed in");
    }

    #[test]
    fn a_new_session_supersedes_a_revoked_offline_token() {
        let mut old = key("offline", KeyStatus::Revoked);
        old.unreachable = Some("2026-01-01T00:00:00Z".into());
        old.detail =
            Some("the identity provider says the token is no longer valid; sign in again".into());
        let mut session = key("session", KeyStatus::Valid);
        session.account = Some("demo@example.com".into());
        session.checked = Some("2026-01-02T00:00:00Z".into());
        let s = profile_status(prof("simai", vec![], vec![old.clone(), session]));
        assert_eq!(
            s.condition,
            ProfileState::SignedInOfflineProblem {
                status: KeyStatus::Revoked
            }
        );
        assert_eq!(
            s.state,
            "signed in · offline token revoked — generate a new one"
        );
        // The session is what the service answered about: its account and time, not the old
        // token's failed attempt; nothing says "sign in again".
        assert_eq!(s.account.as_deref(), Some("demo@example.com"));
        assert_eq!(s.checked.as_deref(), Some("2026-01-02T00:00:00Z"));
        assert_eq!(s.unreachable, None);
        assert!(
            s.problems.iter().all(|x| !x.contains("sign in again")),
            "{:?}",
            s.problems
        );
        assert!(
            s.problems
                .iter()
                .any(|x| x.contains("simcred offline-token p")),
            "{:?}",
            s.problems
        );
        // Scripts still need a new offline token: the profile still asks for attention.
        assert!(s.needs_attention);
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["condition"]["kind"], "signed_in_offline_problem");
        // A session that does not work either: the offline token's problem, as before.
        let s = profile_status(prof(
            "simai",
            vec![],
            vec![old, key("session", KeyStatus::Expired)],
        ));
        assert_eq!(s.state, "offline token revoked");
    }

    #[test]
    fn a_local_server_that_is_not_running_is_told_apart() {
        let mut k = key("api-key", KeyStatus::Valid);
        k.default = true;
        k.unreachable = Some("2026-01-01T00:00:00Z".into());
        k.unreachable_detail = Some(format!(
            "could not connect to 127.0.0.1:9: {}",
            crate::http::LOCAL_NOT_RUNNING
        ));
        let s = profile_status(prof("modelon", vec![k.clone()], vec![]));
        assert!(s.local_server_down);
        assert!(
            s.problems
                .iter()
                .any(|x| x.contains("nothing is running there on this computer")),
            "{:?}",
            s.problems
        );
        k.unreachable_detail = Some("the server closed the connection without answering".into());
        assert!(!profile_status(prof("modelon", vec![k.clone()], vec![])).local_server_down);
        // Answered since: nothing is down.
        k.unreachable = None;
        assert!(!profile_status(prof("modelon", vec![k], vec![])).local_server_down);
    }

    #[test]
    fn offline_tokens_are_listed_by_client() {
        let mut sdk = key("offline@sdk", KeyStatus::Valid);
        sdk.checked = Some("2026-01-02T00:00:00Z".into());
        // Only the legacy client's token: an offline-token profile all the same.
        let s = profile_status(prof("simai", vec![], vec![sdk.clone()]));
        assert!(s.state.starts_with("offline token (created"), "{}", s.state);
        assert_eq!(s.offline_tokens.len(), 1);
        assert_eq!(s.offline_tokens[0].client_id, "sdk");
        assert_eq!(
            s.offline_tokens[0].last_used.as_deref(),
            Some("2026-01-02T00:00:00Z")
        );
        // Both, the SDK's own first; the other one revoked is a problem of its own.
        sdk.status = KeyStatus::Revoked;
        let s = profile_status(prof(
            "simai",
            vec![],
            vec![sdk, key("offline", KeyStatus::Valid)],
        ));
        let clients: Vec<_> = s
            .offline_tokens
            .iter()
            .map(|t| (t.client_id.as_str(), t.status))
            .collect();
        assert_eq!(
            clients,
            [
                ("com.ansys.simai.sdk", KeyStatus::Valid),
                ("sdk", KeyStatus::Revoked)
            ]
        );
        assert!(s.state.starts_with("offline token (created"), "{}", s.state);
        assert!(
            s.problems
                .iter()
                .any(|p| p == "the offline token of client sdk is revoked"),
            "{:?}",
            s.problems
        );
        assert!(
            s.needs_attention,
            "a dead token of any client needs attention"
        );
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["offline_tokens"][1]["client_id"], "sdk");
        assert_eq!(json["offline_tokens"][1]["status"], "revoked");
        // A profile from before tokens were kept per client, whose `offline` entry holds an
        // imported legacy token: SimCred noted its client, and status names it.
        let mut old = key("offline", KeyStatus::Unverified);
        old.detail = Some("client sdk, imported from /home/u/.ansys_simai.conf".into());
        let s = profile_status(prof("simai", vec![], vec![old.clone()]));
        assert_eq!(s.offline_tokens[0].client_id, "sdk");
        // Anything else there is the SDK's own client's.
        for other in ["client nope, scope openid", "imported", ""] {
            old.detail = Some(other.into());
            let s = profile_status(prof("simai", vec![], vec![old.clone()]));
            assert_eq!(
                s.offline_tokens[0].client_id, "com.ansys.simai.sdk",
                "{other}"
            );
        }
    }
}
