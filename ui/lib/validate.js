// Validation as you type, for the profile editor and the key dialogs. It mirrors core's rules
// so people see problems early; core still checks everything on submit and its message wins.

/** Mirrors core's `validate_name`: 1–64 of letters, digits, _ - . @, not starting with . or -. */
export function validateName(what, name) {
  const n = String(name ?? "");
  if (!n) return `The ${what} name is empty.`;
  if ([...n].length > 64) return `The ${what} name is longer than 64 characters.`;
  const bad = [...n].find((c) => !/[A-Za-z0-9_\-.@]/.test(c));
  if (bad !== undefined) {
    const shown = /\s/.test(bad) ? "a space" : `"${bad}"`;
    return `The ${what} name contains ${shown}; use letters, digits, _ - . @`;
  }
  if (n.startsWith(".") || n.startsWith("-")) return `The ${what} name must not start with . or -`;
  return null;
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

function parseUrl(v) {
  try {
    return new URL(v);
  } catch {
    return null;
  }
}

/** A service URL: https://, or http:// to this computer only (as core allows). */
export function validateUrl(value, { required = false } = {}) {
  const v = String(value ?? "").trim();
  if (!v) return required ? "The URL is required." : null;
  const u = parseUrl(v);
  if (!u || !u.host) return `"${v}" is not a URL such as https://example.com/`;
  if (u.protocol === "https:") return null;
  if (u.protocol === "http:") {
    if (LOOPBACK.has(u.hostname) || u.hostname.startsWith("127.")) return null;
    return "Use https:// (plain http:// is only allowed to this computer).";
  }
  return `"${u.protocol}" is not allowed; use https://`;
}

/** A proxy URL such as http://proxy:3128. */
export function validateProxy(value) {
  const v = String(value ?? "").trim();
  if (!v) return null;
  const u = parseUrl(v);
  if (!u || !u.host || !/^(https?|socks5h?):$/.test(u.protocol)) {
    return `"${v}" is not a proxy URL such as http://proxy:3128`;
  }
  return null;
}

/** `system`, `unsecure-none`, or the absolute path of a PEM file (core checks that it exists). */
export function validateCaBundle(value) {
  const v = String(value ?? "").trim();
  if (!v || v === "system" || v === "unsecure-none") return null;
  if (v.startsWith("/") || /^[A-Za-z]:[\\/]/.test(v) || v.startsWith("~")) return null;
  return "Use system, unsecure-none or the full path of a PEM file.";
}

/** A positive whole number of seconds. */
export function validateTimeout(value) {
  const v = String(value ?? "").trim();
  if (!v) return null;
  if (!/^\d+$/.test(v) || Number(v) === 0) return `"${v}" is not a number of seconds.`;
  return null;
}

/**
 * Checks a profile form. `fields` maps setting names (plus `name`) to strings.
 * @returns {Object<string,string>} field → message, empty when all is well.
 */
export function validateProfileForm(service, fields, { isNew = true } = {}) {
  const f = fields ?? {};
  const errors = {};
  if (isNew) {
    const e = validateName("profile", (f.name ?? "").trim());
    if (e) errors.name = e;
    if (!service) errors.service = "Choose a service.";
  }
  const urlErr = validateUrl(f.url, { required: false });
  if (urlErr) errors.url = urlErr;
  if (service === "simai" && !String(f.organization ?? "").trim()) {
    errors.organization = "The organization is required for Ansys SimAI.";
  }
  if (service === "oidc") {
    const e = validateUrl(f.issuer, { required: true });
    if (e) errors.issuer = e.replace("The URL", "The issuer URL");
  }
  const p = validateProxy(f.https_proxy);
  if (p) errors.https_proxy = p;
  const c = validateCaBundle(f.tls_ca_bundle);
  if (c) errors.tls_ca_bundle = c;
  const t = validateTimeout(f.timeout);
  if (t) errors.timeout = t;
  return errors;
}

/**
 * What to send to `profile_edit`: changed, non-empty values to set; emptied ones to unset.
 * @returns {{set: Object<string,string>, unset: string[]}}
 */
export function diffSettings(before, after) {
  const set = {};
  const unset = [];
  for (const [k, v] of Object.entries(after ?? {})) {
    const nv = String(v ?? "").trim();
    const ov = (before ?? {})[k] ?? "";
    if (nv && nv !== ov) set[k] = nv;
    if (!nv && ov) unset.push(k);
  }
  return { set, unset };
}

/** Checks a pasted key before sending it: not empty; Dlubal refuses % and non-ASCII. */
export function validateSecretInput(service, value) {
  const v = String(value ?? "").trim();
  if (!v) return "Paste the key first.";
  if (service === "dlubal") {
    if (v.includes("%")) return "Dlubal keys cannot contain % (it breaks the Dlubal client's config file).";
    if (/[^\x20-\x7e]/.test(v)) return "Dlubal keys must be plain ASCII.";
  }
  return null;
}
