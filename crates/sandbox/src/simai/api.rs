//! The SimAI API under `/v2/`: the offline-token consents, the demo workspace, its model
//! manifest and geometry, and the server-side optimisation, behind `Authorization: Bearer` and
//! `X-Org`.

use std::time::Instant;

use serde_json::{json, Value};

use super::helpers::{api_error, api_method_not_allowed, bearer};
use super::model::Kind;
use super::{
    Simai, CLIENT_ID, DEFAULT_COREML_VERSION, GEOMETRY, LEGACY_CLIENT_ID, USER_SUB, WORKSPACE,
};
use crate::http::{percent_decode, Request, Response};

impl Simai {
    pub(super) fn api(&self, req: &Request, rest: &str) -> Response {
        const CONSENTS: &str = "/users/offline-tokens";
        const MANIFEST: &str = "/model/manifest/public";
        const OPTIMIZATIONS: &str = "/server-side-optimizations";
        let path = rest.trim_end_matches('/');
        match path {
            "" | "/info" if req.is_get() => Response::json(200, &json!({"version": "sandbox"})),
            "" | "/info" => api_method_not_allowed("GET"),
            CONSENTS if req.is_get() => match self.api_auth(req) {
                Ok(()) => Response::json(200, &self.state().consents_json()),
                Err(response) => response,
            },
            CONSENTS => api_method_not_allowed("GET"),
            "/workspaces" if req.is_get() => match self.api_auth(req) {
                Ok(()) => Response::json(200, &json!([workspace_json()]))
                    .with_header("X-Pagination", r#"{"total": 1, "total_pages": 1}"#),
                Err(response) => response,
            },
            "/workspaces" => api_method_not_allowed("GET"),
            _ if path.starts_with("/workspaces/") && path.ends_with(OPTIMIZATIONS) => {
                if req.method != "POST" {
                    return api_method_not_allowed("POST");
                }
                if let Err(response) = self.api_auth(req) {
                    return response;
                }
                let ws = &path["/workspaces/".len()..path.len() - OPTIMIZATIONS.len()];
                if percent_decode(ws, false) != WORKSPACE.0 {
                    return api_error(404, "Workspace not found");
                }
                self.server_side_optimization(req)
            }
            _ if path.starts_with("/workspaces/") && path.ends_with(MANIFEST) => {
                if !req.is_get() {
                    return api_method_not_allowed("GET");
                }
                if let Err(response) = self.api_auth(req) {
                    return response;
                }
                let ws = &path["/workspaces/".len()..path.len() - MANIFEST.len()];
                if percent_decode(ws, false) == WORKSPACE.0 {
                    Response::json(200, &self.manifest_json())
                } else {
                    api_error(404, "Workspace not found")
                }
            }
            _ if path.starts_with("/geometries/") => {
                if !req.is_get() {
                    return api_method_not_allowed("GET");
                }
                if let Err(response) = self.api_auth(req) {
                    return response;
                }
                let wanted = percent_decode(path.trim_start_matches("/geometries/"), false);
                if wanted == GEOMETRY.0 {
                    Response::json(200, &geometry_json())
                } else {
                    api_error(404, &format!("Geometry {wanted} not found"))
                }
            }
            _ if path.starts_with("/workspaces/") => {
                if !req.is_get() {
                    return api_method_not_allowed("GET");
                }
                if let Err(response) = self.api_auth(req) {
                    return response;
                }
                let wanted = path.trim_start_matches("/workspaces/");
                let wanted = percent_decode(wanted.strip_prefix("name/").unwrap_or(wanted), false);
                if wanted == WORKSPACE.0 || wanted == WORKSPACE.1 {
                    Response::json(200, &workspace_json())
                } else {
                    api_error(404, &format!("Workspace {wanted} not found"))
                }
            }
            _ => match path
                .strip_prefix(CONSENTS)
                .and_then(|p| p.strip_prefix('/'))
            {
                Some(id) if !id.contains('/') && req.method == "DELETE" => {
                    if let Err(response) = self.api_auth(req) {
                        return response;
                    }
                    self.delete_consent(&percent_decode(id, false))
                }
                Some(id) if !id.contains('/') => api_method_not_allowed("DELETE"),
                _ => api_error(404, "Not found"),
            },
        }
    }

    /// The workspace's public model manifest, as the SDK reads it before an optimisation.
    fn manifest_json(&self) -> Value {
        let version = self
            .state()
            .coreml_version
            .clone()
            .unwrap_or_else(|| DEFAULT_COREML_VERSION.to_owned());
        json!({
            "model_name": "sandbox-wing-model",
            "coreml_version": version,
            "feature_flags": ["server_side_optimization"],
            "description": "The sandbox's model",
            "boundary_conditions": {"VelocityX": {}},
            "physical_quantities": {},
            "post_processings": [],
        })
    }

    /// `POST workspaces/{id}/server-side-optimizations`: the body's `offline_token` must be a
    /// live offline token (the server runs the job on the user's behalf with it), of the client
    /// the model's coreml version needs.
    fn server_side_optimization(&self, req: &Request) -> Response {
        let Some(body) = req.json_body() else {
            return api_error(400, "Expected a JSON body");
        };
        let Some(offline) = body.get("offline_token").and_then(Value::as_str) else {
            return api_error(400, "offline_token is required");
        };
        if body.get("geometry").and_then(Value::as_str) != Some(GEOMETRY.0) {
            return api_error(404, "Geometry not found");
        }
        let now = Instant::now();
        let mut state = self.state();
        let version = state
            .coreml_version
            .clone()
            .unwrap_or_else(|| DEFAULT_COREML_VERSION.to_owned());
        let live = state.tokens.get(offline).and_then(|t| {
            let session = state.sessions.get(&t.session)?;
            (t.kind == Kind::Offline && !t.revoked && !t.expired(now) && session.active)
                .then_some(session.client_id)
        });
        let Some(client) = live else {
            return api_error(401, "The offline token is not valid");
        };
        if let Some(needed) = client_for_coreml(&version) {
            if needed != client {
                return api_error(
                    403,
                    &format!(
                        "This model (coreml {version}) only works with an offline token of client {needed}, not {client}"
                    ),
                );
            }
        }
        state.optimizations += 1;
        let n = state.optimizations;
        Response::json(
            200,
            &json!({
                "id": format!("opt-demo-{n:04}"),
                "state": "successful",
                "workspace_id": WORKSPACE.0,
                "geometry": GEOMETRY.0,
                "offline_token_client": client,
                "iteration_results": [],
            }),
        )
    }

    /// The API's checks: a live Bearer access token, then the organization.
    fn api_auth(&self, req: &Request) -> Result<(), Response> {
        if !bearer(req).is_some_and(|t| self.access_ok(t, false)) {
            return Err(api_error(401, "Unauthorized"));
        }
        if req.header("x-org") != Some(self.opts.organization.as_str()) {
            return Err(api_error(403, "Organization not found"));
        }
        Ok(())
    }

    fn delete_consent(&self, client_id: &str) -> Response {
        let mut guard = self.state();
        let state = &mut *guard;
        let Some((&client, _)) = state.consents.get_key_value(client_id) else {
            return api_error(
                404,
                &format!("No offline token found for client {client_id}"),
            );
        };
        let sessions: Vec<String> = state
            .sessions
            .iter()
            .filter(|(_, s)| s.offline && s.active && s.client_id == client)
            .map(|(id, _)| id.clone())
            .collect();
        for id in sessions {
            state.end_session(&id);
        }
        state.consents.remove(client);
        Response::empty(204)
    }
}

/// The demo workspace as the API shows it.
fn workspace_json() -> Value {
    json!({
        "id": WORKSPACE.0,
        "name": WORKSPACE.1,
        "description": "The sandbox's workspace",
        "model": {"id": "model-demo-0001"},
        "created_by": USER_SUB,
    })
}

/// The demo geometry as the API shows it.
fn geometry_json() -> Value {
    json!({
        "id": GEOMETRY.0,
        "name": GEOMETRY.1,
        "workspace_id": WORKSPACE.0,
        "state": "successful",
        "metadata": {},
    })
}

/// The client an offline token must belong to for a model of this coreml version, as the SDK
/// 0.4.8 decides (`_get_expected_client_id_for_coreml_model`); `None`: either.
fn client_for_coreml(version: &str) -> Option<&'static str> {
    let mut parts = version.split('.');
    let (Some(major), Some(minor), Some(patch), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(major) && digits(minor) && digits(patch)) {
        return None;
    }
    match (major.parse::<u64>().ok()?, minor.parse::<u64>().ok()?) {
        (3, 16 | 17) => Some(LEGACY_CLIENT_ID),
        (3, 18 | 19) => Some(CLIENT_ID),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coreml_versions_pick_the_client_as_the_sdk_does() {
        assert_eq!(client_for_coreml("3.16.0"), Some("sdk"));
        assert_eq!(client_for_coreml("3.17.9"), Some("sdk"));
        assert_eq!(client_for_coreml("3.18.0"), Some("com.ansys.simai.sdk"));
        assert_eq!(client_for_coreml("3.19.2"), Some("com.ansys.simai.sdk"));
        for either in [
            "3.15.0", "3.20.0", "2.99.0", "4.16.0", "3.16", "3.16.0.1", "x.16.0", "",
        ] {
            assert_eq!(client_for_coreml(either), None, "{either}");
        }
    }
}
