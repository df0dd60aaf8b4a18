//! The generic "any OIDC issuer" service ([`Oidc`]): its settings (issuer, client, scope) and
//! its sign-in, whose endpoints come from the issuer's discovery document. The protocol itself
//! is [`super::oauth`].

use super::oauth::{describe_garbage, redirect_check, AuthError, AuthTarget, Endpoints};
use super::{Hints, KeyPolicy, Provider, Setting, SettingKind, SignIn};
use crate::http::{parse_service_url, Http};
use crate::profile::Profile;
use serde_json::Value;
use url::Url;

/// The generic OpenID Connect service: any issuer with a discovery document.
pub struct Oidc;

const SETTINGS: &[Setting] = &[
    Setting {
        kind: SettingKind::Url,
        required: true,
        placeholder: Some("https://login.example.com/realms/acme"),
        help: Some("Its /.well-known/openid-configuration is read."),
        flag: true,
        ..Setting::text("issuer", "Issuer URL")
    },
    Setting {
        required: true,
        placeholder: Some("my-client"),
        flag: true,
        ..Setting::text("client_id", "Client ID")
    },
    Setting {
        placeholder: Some("openid"),
        flag: true,
        ..Setting::text("scope", "Scopes")
    },
];

impl Provider for Oidc {
    fn id(&self) -> &'static str {
        "oidc"
    }
    fn display_name(&self) -> &'static str {
        "OpenID Connect"
    }
    fn key_policy(&self) -> KeyPolicy {
        KeyPolicy::TokensOnly
    }
    fn settings(&self) -> &'static [Setting] {
        SETTINGS
    }
    fn sign_in(&self) -> Option<&dyn SignIn> {
        Some(&OidcSignIn)
    }
    fn hints(&self) -> Hints {
        Hints {
            profile_name_example: "work",
            ..Hints::default()
        }
    }
}

struct OidcSignIn;

impl SignIn for OidcSignIn {
    fn target(&self, profile: &Profile, http: Http) -> Result<AuthTarget, crate::Error> {
        let issuer = parse_service_url(profile.setting("issuer").ok_or_else(|| {
            crate::Error::Invalid(format!("profile \"{}\" has no issuer", profile.name))
        })?)?;
        let endpoints = discover(&http, &issuer)?;
        Ok(AuthTarget {
            endpoints,
            http,
            client_id: profile
                .setting("client_id")
                .unwrap_or("simcred")
                .to_string(),
            scope: profile.setting("scope").unwrap_or("openid").to_string(),
        })
    }
    fn access_token_env(&self) -> &'static str {
        "OIDC_ACCESS_TOKEN"
    }
    fn default_client(&self, profile: &Profile) -> String {
        profile
            .setting("client_id")
            .unwrap_or("simcred")
            .to_string()
    }
}

/// Discovers endpoints from `{issuer}/.well-known/openid-configuration`. The document's
/// `issuer` must be the configured one (OpenID Connect Discovery §4.3) and every endpoint must
/// pass the same URL rules as a profile's own URL.
pub fn discover(http: &Http, issuer: &Url) -> Result<Endpoints, AuthError> {
    let base = issuer.as_str().trim_end_matches('/');
    let url = Url::parse(&format!("{base}/.well-known/openid-configuration"))
        .map_err(|e| AuthError::BadReply(format!("bad issuer URL: {e}")))?;
    let reply = http.send("GET", &url, &[("accept", "application/json")], None)?;
    redirect_check(&reply, &url)?;
    let shown = crate::text::safe(url.as_str());
    if reply.status != 200 {
        return Err(AuthError::BadReply(format!(
            "{shown} answered {}; is the issuer URL right?",
            reply.status
        )));
    }
    let v: Value = serde_json::from_str(&reply.body).map_err(|_| describe_garbage(&reply, &url))?;
    parse_discovery(&v, base, &shown)
}

fn parse_discovery(v: &Value, base: &str, shown: &str) -> Result<Endpoints, AuthError> {
    if let Some(doc_issuer) = v.get("issuer").and_then(|x| x.as_str()) {
        if doc_issuer.trim_end_matches('/') != base {
            return Err(AuthError::BadReply(format!(
                "{shown} names another issuer ({}); check the profile's issuer URL",
                crate::text::safe_short(doc_issuer, 200)
            )));
        }
    }
    let get = |k: &str| -> Option<Url> {
        v.get(k)
            .and_then(|x| x.as_str())
            .and_then(|s| crate::http::parse_service_url(s).ok())
    };
    Ok(Endpoints {
        issuer: base.to_string(),
        token: get("token_endpoint")
            .ok_or_else(|| AuthError::BadReply(format!("{shown} has no usable token_endpoint")))?,
        device: get("device_authorization_endpoint"),
        revocation: get("revocation_endpoint"),
        userinfo: get("userinfo_endpoint"),
    })
}
