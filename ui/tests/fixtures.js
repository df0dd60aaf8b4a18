// Fixture descriptors shaped like the registry's (`app_info().services`), for the UI's unit
// tests. Tests may name vendors; the UI's own code may not (see vendor-names.test.js).

const common = (advanced = true) => [
  { name: "https_proxy", label: "HTTPS proxy", kind: "proxy", required: false, default: null, placeholder: "http://proxy:3128", help: null, advanced },
  { name: "tls_ca_bundle", label: "TLS CA bundle", kind: "ca_bundle", required: false, default: null, placeholder: "system", help: null, advanced },
  { name: "timeout", label: "Timeout (seconds)", kind: "seconds", required: false, default: "15", placeholder: null, help: null, advanced },
  { name: "description", label: "Description", kind: "text", required: false, default: null, placeholder: null, help: null, advanced: false },
];

const text = (name, label, extra = {}) => ({ name, label, kind: "text", required: false, default: null, placeholder: null, help: null, advanced: false, ...extra });

export const SIMAI = {
  id: "simai",
  name: "Ansys SimAI",
  key_policy: "tokens",
  key_name: null,
  key_name_example: null,
  key_rules: null,
  checkable: true,
  key_page: null,
  profile_name_example: "work",
  sign_in: { device: true, password: true, offline: true, consents: true },
  files: { label: "the SimAI SDK's config file", export: true, import: true, export_force: false, export_secret: { label: "Also write the offline token" } },
  settings: [
    text("organization", "Organization", { required: true }),
    { name: "url", label: "API URL", kind: "url", required: false, default: "https://api.simai.ansys.com/v2/", placeholder: null, help: null, advanced: false },
    text("workspace", "Workspace"),
    text("project", "Project"),
    { name: "skip_version_check", label: "Skip version check", kind: "bool", required: false, default: "false", placeholder: null, help: null, advanced: true },
    ...common(),
  ],
};

export const MODELON = {
  id: "modelon",
  name: "Modelon Impact",
  key_policy: "single",
  key_name: "api-key",
  key_name_example: null,
  key_rules: null,
  checkable: true,
  key_page: "admin/server-management",
  profile_name_example: "impact",
  sign_in: null,
  files: { label: "~/.impact/api.key", export: true, import: true, export_force: true, export_secret: null },
  settings: [{ name: "url", label: "Server URL", kind: "url", required: false, default: "https://impact.modelon.cloud/", placeholder: null, help: null, advanced: false }, ...common()],
};

export const DLUBAL = {
  id: "dlubal",
  name: "Dlubal API",
  key_policy: "named",
  key_name: null,
  key_name_example: "project_1",
  key_rules: "Plain ASCII; no %.",
  checkable: false,
  key_names_lowercase: true,
  key_page: null,
  profile_name_example: "rfem",
  sign_in: null,
  files: { label: "Dlubal's config.ini", export: true, import: true, export_force: true, export_secret: null },
  settings: [...common()],
};

export const OIDC = {
  id: "oidc",
  name: "OpenID Connect",
  key_policy: "tokens",
  key_name: null,
  key_name_example: null,
  key_rules: null,
  checkable: false,
  key_page: null,
  profile_name_example: "work",
  sign_in: { device: true, password: true, offline: true, consents: false },
  files: null,
  settings: [
    { name: "issuer", label: "Issuer URL", kind: "url", required: true, default: null, placeholder: "https://login.example.com/realms/main", help: null, advanced: false },
    text("client_id", "Client ID", { placeholder: "simcred" }),
    text("scope", "Scopes", { placeholder: "openid" }),
    ...common(),
  ],
};

/** A service no UI code has heard of, as a test-only provider in Rust would describe it. */
export const ACME = {
  id: "acme",
  name: "Acme Solver Cloud",
  key_policy: "single",
  key_name: "token",
  key_name_example: null,
  key_rules: "Starts with acme_.",
  checkable: false,
  key_page: "account/tokens",
  profile_name_example: "acme-prod",
  sign_in: null,
  files: { label: "~/.acme/credentials", export: true, import: true, export_force: false, export_secret: null },
  settings: [
    text("region", "Region", { required: true, placeholder: "eu-1" }),
    { name: "url", label: "Portal URL", kind: "url", required: false, default: "https://portal.acme.test/", placeholder: null, help: null, advanced: false },
    { name: "verbose", label: "Verbose logging", kind: "bool", required: false, default: "false", placeholder: null, help: "Logs every request.", advanced: true },
    ...common(),
  ],
};

/** The registry as the app lists it today. */
export const SERVICES = [SIMAI, MODELON, DLUBAL, OIDC];
