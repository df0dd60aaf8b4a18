//! Logging in to OpenBao / HashiCorp Vault: token-less calls that return a client token
//! (userpass, AppRole, JWT for CI jobs, and the two steps of the OIDC login of people). Like
//! the client in [`crate::vault`], nothing here stores anything: the token is returned, and the
//! store layer decides where it is kept. Secrets sent are redacted from any error the vault
//! echoes.

use crate::secret::Secret;
use crate::vault::{
    api_url, client, errors_of, headers, json_of, seg, shown, VaultAddr, VaultError,
};
use serde_json::{json, Value};

/// How to log in.
pub enum Login<'a> {
    /// `auth/userpass/login/{username}`.
    Userpass {
        username: &'a str,
        password: &'a Secret,
    },
    /// `auth/approle/login` with a role id and a secret id.
    AppRole {
        role_id: &'a str,
        secret_id: &'a Secret,
    },
    /// `auth/jwt/login` with a role and a signed identity token (CI jobs).
    Jwt { role: &'a str, jwt: &'a Secret },
}

/// Logs in and returns the new client token.
pub fn login(at: &VaultAddr, how: &Login<'_>) -> Result<Secret, VaultError> {
    let (path, body, sent): (String, Value, Vec<&Secret>) = match how {
        Login::Userpass { username, password } => (
            format!("auth/userpass/login/{}", seg(username)),
            json!({ "password": password.expose() }),
            vec![*password],
        ),
        Login::AppRole { role_id, secret_id } => (
            "auth/approle/login".into(),
            json!({ "role_id": role_id, "secret_id": secret_id.expose() }),
            vec![*secret_id],
        ),
        Login::Jwt { role, jwt } => (
            "auth/jwt/login".into(),
            json!({ "role": role, "jwt": jwt.expose() }),
            vec![*jwt],
        ),
    };
    let v = unauthenticated(at, "POST", &path, Some(&body), &sent)?;
    client_token(&v, at)
}

/// `auth.client_token` of a login reply.
fn client_token(v: &Value, at: &VaultAddr) -> Result<Secret, VaultError> {
    v.pointer("/auth/client_token")
        .and_then(|t| t.as_str())
        .filter(|t| !t.is_empty() && t.len() < 4096)
        .map(Secret::new)
        .ok_or_else(|| VaultError::BadReply {
            addr: shown(at),
            what: "a login reply without auth.client_token".into(),
        })
}

/// A call made before there is a token (a login); `sent` are the secrets in it, redacted from
/// any error the vault echoes.
fn unauthenticated(
    at: &VaultAddr,
    method: &str,
    path: &str,
    body: Option<&Value>,
    sent: &[&Secret],
) -> Result<Value, VaultError> {
    let http = client(at)?;
    let url = api_url(at, path)?;
    let h = headers(at, None);
    let reply = match body {
        Some(b) => http.send_json(method, &url, &h, &b.to_string()),
        None => http.send(method, &url, &h, None),
    }
    .map_err(|source| VaultError::Unreachable {
        addr: shown(at),
        source,
    })?;
    match reply.status {
        200 => json_of(&reply, at),
        503 => Err(VaultError::Sealed {
            addr: shown(at),
            status: 503,
        }),
        400 | 401 | 403 | 404 => Err(VaultError::LoginRefused {
            addr: shown(at),
            reason: errors_of(&reply, sent),
        }),
        s => Err(VaultError::BadReply {
            addr: shown(at),
            what: format!("login answered {s}: {}", errors_of(&reply, sent)),
        }),
    }
}

/// The first step of the OIDC login of people (`auth/oidc`, as `vault login -method=oidc`):
/// the identity provider's page to open, for `role` (`None`: the mount's default role), which
/// sends the browser back to `redirect_uri`.
pub fn oidc_auth_url(
    at: &VaultAddr,
    role: Option<&str>,
    redirect_uri: &str,
    client_nonce: &Secret,
) -> Result<String, VaultError> {
    let body = json!({
        "role": role.unwrap_or(""),
        "redirect_uri": redirect_uri,
        "client_nonce": client_nonce.expose(),
    });
    let v = unauthenticated(
        at,
        "POST",
        "auth/oidc/oidc/auth_url",
        Some(&body),
        &[client_nonce],
    )?;
    v.pointer("/data/auth_url")
        .and_then(|u| u.as_str())
        .filter(|u| !u.is_empty())
        .map(str::to_string)
        .ok_or_else(|| VaultError::LoginRefused {
            addr: shown(at),
            reason: "no sign-in page for this role (is the role's redirect URI allowed?)".into(),
        })
}

/// The last step: the vault exchanges the provider's `code` and returns a token.
pub fn oidc_callback(
    at: &VaultAddr,
    state: &str,
    code: &Secret,
    client_nonce: &Secret,
) -> Result<Secret, VaultError> {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("state", state)
        .append_pair("code", code.expose())
        .append_pair("client_nonce", client_nonce.expose());
    let path = format!("auth/oidc/oidc/callback?{}", q.finish());
    let v = unauthenticated(at, "GET", &path, None, &[code, client_nonce])?;
    client_token(&v, at)
}
