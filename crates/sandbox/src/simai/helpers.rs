//! Small helpers of the fake SimAI: reading OAuth forms, clients and bearer tokens, the
//! granted scopes, user codes, the realm's and the API's error shapes, and time formats.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use super::{CLIENT_ID, DEFAULT_SCOPES, KNOWN_SCOPES, LEGACY_CLIENT_ID};
use crate::http::{escape_html, Form, Request, Response};
use crate::token;

/// The claims of a JWT-shaped token, unverified.
pub(super) fn claims(token: &str) -> Option<Value> {
    let payload = token.split('.').nth(1)?;
    serde_json::from_slice(&token::base64url_decode(payload)?).ok()
}

/// The form body of an OAuth endpoint, or the error when the body is something else.
pub(super) fn form(req: &Request) -> Result<Form, Response> {
    if req.has_form_body() || req.body.is_empty() {
        Ok(req.form_body())
    } else {
        Err(oauth_error(
            415,
            "invalid_request",
            "Send the parameters as application/x-www-form-urlencoded",
        ))
    }
}

/// The public client named by `client_id`, or Keycloak's 401.
/// The form body of an OAuth request and its (known) client id, or the error to answer with.
pub(super) fn client_form(req: &Request) -> Result<(Form, &'static str), Response> {
    let form = form(req)?;
    let client_id = client(&form)?;
    Ok((form, client_id))
}

pub(super) fn client(form: &Form) -> Result<&'static str, Response> {
    match form.get("client_id") {
        Some(CLIENT_ID) => Ok(CLIENT_ID),
        Some(LEGACY_CLIENT_ID) => Ok(LEGACY_CLIENT_ID),
        _ => Err(oauth_error(
            401,
            "invalid_client",
            "Invalid client or Invalid client credentials",
        )),
    }
}

/// The token of an `Authorization: Bearer` header.
pub(super) fn bearer(req: &Request) -> Option<&str> {
    let value = req.header("authorization")?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The scope string granted for `requested`: the known scopes asked for, in order, then the
/// defaults.
pub(super) fn granted_scope(requested: &str) -> String {
    let mut granted: Vec<&str> = Vec::new();
    for scope in requested
        .split(' ')
        .chain(DEFAULT_SCOPES)
        .filter(|s| KNOWN_SCOPES.contains(s))
    {
        if !granted.contains(&scope) {
            granted.push(scope);
        }
    }
    granted.join(" ")
}

/// A user code reduced to its letters, upper-cased, so that `abcd efgh` matches `ABCD-EFGH`.
pub(super) fn normalize_user_code(code: &str) -> String {
    code.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

pub(super) fn invalid_code_page(user_code: &str) -> Response {
    let shown: String = user_code.chars().take(32).collect();
    Response::html_page(
        400,
        "Device login",
        &format!(
            "<p>The code <code>{}</code> is not valid or has expired. Start the login again in \
             SimCred.</p>",
            escape_html(&shown)
        ),
    )
}

/// Keycloak's error shape.
pub(super) fn oauth_error(status: u16, error: &str, description: &str) -> Response {
    Response::json(
        status,
        &json!({ "error": error, "error_description": description }),
    )
}

/// The SimAI API's error shape.
pub(super) fn api_error(status: u16, message: &str) -> Response {
    Response::json(status, &json!({ "message": message }))
}

pub(super) fn api_method_not_allowed(allow: &str) -> Response {
    api_error(405, "Method not allowed").with_header("Allow", allow)
}

pub(super) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `2025-01-31T12:34:56.789+00:00`: RFC 3339 with an explicit offset, which Python's
/// `datetime.fromisoformat` (which the SDK uses) reads in every version.
pub(super) fn iso8601(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}+00:00",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn formats_iso8601() {
        let at = |secs: u64, millis: u64| {
            iso8601(UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_millis(millis))
        };
        assert_eq!(at(0, 0), "1970-01-01T00:00:00.000+00:00");
        assert_eq!(at(951_782_400, 5), "2000-02-29T00:00:00.005+00:00");
        assert_eq!(at(1_735_689_599, 999), "2024-12-31T23:59:59.999+00:00");
        assert_eq!(at(4_107_542_400, 0), "2100-03-01T00:00:00.000+00:00");
    }

    #[test]
    fn grants_known_scopes_and_the_defaults() {
        assert_eq!(granted_scope(""), "profile email");
        assert_eq!(
            granted_scope("openid offline_access"),
            "openid offline_access profile email"
        );
        assert_eq!(granted_scope("email bogus  openid"), "email openid profile");
    }

    #[test]
    fn user_codes_match_loosely() {
        assert_eq!(normalize_user_code("abcd-efgh"), "ABCDEFGH");
        assert_eq!(normalize_user_code(" ABCD EFGH "), "ABCDEFGH");
        assert_eq!(normalize_user_code("--"), "");
    }
}
