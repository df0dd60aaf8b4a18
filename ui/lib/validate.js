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

/**
 * A service URL: https://, or http:// to this computer only (as core allows). `label` names the
 * field in the "is required" message ("The issuer URL is required.").
 */
export function validateUrl(value, { required = false, label = "URL" } = {}) {
  const v = String(value ?? "").trim();
  if (!v) return required ? `The ${lowerLabel(label)} is required.` : null;
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

/** A label as it reads inside a sentence: "Organization" → "organization", "API URL" stays. */
export function lowerLabel(label) {
  const l = String(label ?? "").trim();
  const first = l.split(/\s/, 1)[0];
  // Leave acronyms ("URL", "TLS CA bundle") as they are.
  if (first.length > 1 && first === first.toUpperCase()) return l;
  return l.charAt(0).toLowerCase() + l.slice(1);
}

/**
 * Checks one setting's value by the descriptor's `kind` and `required`.
 * @param {{name: string, label: string, kind: string, required: boolean}} setting
 * @param {string|boolean} value
 * @returns {?string} the message, or null when the value is fine
 */
export function validateSetting(setting, value) {
  if (setting.kind === "bool") return null;
  const v = String(value ?? "").trim();
  const label = setting.label || setting.name;
  if (!v) return setting.required ? `The ${lowerLabel(label)} is required.` : null;
  switch (setting.kind) {
    case "url":
      return validateUrl(v, { required: setting.required, label });
    case "proxy":
      return validateProxy(v);
    case "ca_bundle":
      return validateCaBundle(v);
    case "seconds":
      return validateTimeout(v);
    default:
      return hasControl(v) ? `The ${lowerLabel(label)} contains a control character.` : null;
  }
}

/**
 * Checks a profile form against the service's descriptor. `fields` maps setting names (plus
 * `name`) to strings (booleans for `bool` settings).
 * @param {?{id: string, settings: object[]}} descriptor the service (null: none chosen)
 * @returns {Object<string,string>} field → message, empty when all is well.
 */
export function validateProfileForm(descriptor, fields, { isNew = true } = {}) {
  const f = fields ?? {};
  const errors = {};
  if (isNew) {
    const e = validateName("profile", String(f.name ?? "").trim());
    if (e) errors.name = e;
    if (!descriptor) errors.service = "Choose a service.";
  }
  for (const s of descriptor?.settings ?? []) {
    const e = validateSetting(s, f[s.name]);
    if (e) errors[s.name] = e;
  }
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

/** Whether a text holds a control character (C0, DEL or C1). */
function hasControl(v) {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f-\u009f]/.test(v);
}

/**
 * Checks a pasted key before sending it: not empty, no control characters (core refuses them
 * for every service). A service's own rules (its descriptor's `key_rules`) are shown under the
 * input; core checks them on submit and its message wins.
 * @param {?object} _descriptor the service (its rules are core's to check)
 * @param {string} value
 */
export function validateSecretInput(_descriptor, value) {
  const v = String(value ?? "").trim();
  if (!v) return "Paste the key first.";
  if (hasControl(v)) return "The key contains a control character (a line break or tab?); paste just the key.";
  return null;
}
