// What the dialogs show for a service, built from its registry descriptor: the settings form,
// the key inputs, the export options, the import and sandbox texts. Pure data (no DOM), so
// `node --test ui/tests/` can check that a service the UI has never heard of flows through.

import { joinAnd, joinOr } from "./model.js";
import { validateName, validateSecretInput, validateSetting } from "./validate.js";

/** The heading of the collapsed group that holds a service's `advanced` settings. */
export const ADVANCED_GROUP = "Network and more";

const CA_HELP = "system, unsecure-none, or the path of a PEM file";

/** Whether a stored setting text means true. */
function truthy(v) {
  return /^(true|yes|1|on)$/i.test(String(v ?? "").trim());
}

/**
 * The settings form of a service for formDialog: one field per descriptor setting, in the
 * descriptor's order, filled from `values` (a profile's settings), validated by kind.
 * @param {import("./model.js").ServiceDescriptor} descriptor
 * @param {Object<string,string>} [values]
 * @returns {object[]} formDialog field specs
 */
export function settingFields(descriptor, values = {}) {
  return (descriptor?.settings ?? []).map((s) => {
    const field = {
      name: s.name,
      label: s.label,
      required: s.required,
      placeholder: s.placeholder ?? s.default ?? undefined,
      help: s.help ?? (s.kind === "ca_bundle" ? CA_HELP : undefined),
      group: s.advanced ? ADVANCED_GROUP : undefined,
      wide: s.name === "description",
      validate: (v) => validateSetting(s, v),
    };
    const stored = values[s.name];
    if (s.kind === "bool") {
      return { ...field, type: "checkbox", value: stored !== undefined && stored !== "" ? truthy(stored) : truthy(s.default), placeholder: undefined };
    }
    return {
      ...field,
      value: stored ?? "",
      inputmode: s.kind === "seconds" ? "numeric" : s.kind === "url" || s.kind === "proxy" ? "url" : undefined,
    };
  });
}

/**
 * The settings to send from a submitted settings form: strings as typed; a `bool` setting as
 * "true" when ticked, and when not ticked "false" if the service defaults to true, else unset
 * (""). Names not among the descriptor's settings are left out.
 * @returns {Object<string,string>}
 */
export function formSettings(descriptor, values) {
  const out = {};
  for (const s of descriptor?.settings ?? []) {
    if (!(s.name in (values ?? {}))) continue;
    const v = values[s.name];
    if (s.kind === "bool") out[s.name] = v ? "true" : truthy(s.default) ? "false" : "";
    else out[s.name] = String(v ?? "");
  }
  return out;
}

/**
 * A profile's settings as the edit form compares them: bool settings written the way
 * formSettings() writes them, so an unchanged box is no change.
 */
export function storedSettings(descriptor, settings) {
  const out = { ...(settings ?? {}) };
  for (const s of descriptor?.settings ?? []) {
    if (s.kind !== "bool" || !(s.name in out)) continue;
    const on = truthy(out[s.name]);
    out[s.name] = on ? "true" : truthy(s.default) ? "false" : "";
  }
  return out;
}

/** The profile-name field of the new-profile form, with the service's example as placeholder. */
export function profileNameField(descriptor, existingNames = []) {
  return {
    name: "name",
    label: "Profile name",
    required: true,
    placeholder: descriptor?.profile_name_example ?? "work",
    validate: (v) =>
      validateName("profile", String(v ?? "").trim()) ?? (existingNames.includes(String(v).trim()) ? "A profile with this name already exists." : null),
  };
}

/** The label of a service's key input: "Example API key", or "Example API key" for "Example API". */
export function secretLabel(descriptor) {
  const name = descriptor?.name ?? "The";
  return /\bAPI$/.test(name) ? `${name} key` : `${name} API key`;
}

/**
 * The add-key form of a profile: a key name for services with named keys (the service's example
 * as placeholder), the key (with the service's rules under it), and "make default".
 * @param {import("./model.js").ServiceDescriptor} descriptor
 * @param {{name: string}[]} keys the profile's keys
 * @param {string} onceWarning the "shown only once" warning
 */
export function addKeyFields(descriptor, keys, onceWarning) {
  const named = descriptor?.key_policy === "named" || !descriptor;
  const existing = (keys ?? []).map((k) => String(k.name).toLowerCase());
  return [
    {
      name: "name",
      label: "Key name",
      required: named,
      hidden: !named,
      placeholder: descriptor?.key_name_example ?? "default",
      note: (v) => lowerCaseNote(descriptor, v),
      validate: named
        ? (v) => validateName("key", String(v ?? "").trim()) ?? (existing.includes(String(v).trim().toLowerCase()) ? "This profile already has a key with this name." : null)
        : undefined,
    },
    {
      name: "secret",
      label: secretLabel(descriptor),
      type: "password",
      required: true,
      warning: onceWarning,
      help: descriptor?.key_rules ?? undefined,
      autocomplete: "new-password",
      validate: (v) => validateSecretInput(descriptor, v),
    },
    { name: "make_default", label: "Make it the default key", type: "checkbox", value: (keys ?? []).length === 0, hidden: !named },
  ];
}

/**
 * The hint under a key-name input of a service that stores key names in lower case, shown as
 * soon as the typed name has a capital: "Will be saved as “project_1” (… lower case)."; null
 * otherwise.
 */
export function lowerCaseNote(descriptor, value) {
  const v = String(value ?? "").trim();
  if (!descriptor?.key_names_lowercase || v === v.toLowerCase()) return null;
  return `Will be saved as “${v.toLowerCase()}”: ${descriptor.name} key names are lower case.`;
}

/**
 * The replace-key form: the new key (with the service's rules) and, for services whose keys can
 * be checked, "check first" (ticked).
 */
export function replaceKeyFields(descriptor, onceWarning) {
  const checkable = descriptor?.checkable === true;
  return [
    { name: "secret", label: "New key", type: "password", required: true, warning: onceWarning, help: descriptor?.key_rules ?? undefined, autocomplete: "new-password", validate: (v) => validateSecretInput(descriptor, v) },
    { name: "check", label: "Check the new key with the service first (keeps the old one if it fails)", type: "checkbox", value: checkable, hidden: !checkable },
  ];
}

/**
 * Where a service's new keys are made: its `key_page` relative to the profile's URL (or the
 * service's default URL). Null when the service has no key page or no URL is known.
 * @param {import("./model.js").ServiceDescriptor} descriptor
 * @param {Object<string,string>} settings the profile's settings
 */
export function keyPageUrl(descriptor, settings) {
  if (!descriptor?.key_page) return null;
  const base = String(settings?.url || descriptor.settings?.find((s) => s.name === "url")?.default || "").trim();
  if (!base) return null;
  try {
    return new URL(descriptor.key_page, base.endsWith("/") ? base : `${base}/`).href;
  } catch {
    return null;
  }
}

/** Whether a profile of this service offers Export, and which options the dialog shows. */
export function exportOptions(descriptor) {
  const f = descriptor?.files;
  if (!f?.export) return null;
  return {
    label: f.label,
    what: f.export_secret ? "the profile's settings" : descriptor.key_policy === "named" ? "the keys" : "the key",
    force: f.export_force,
    secretLabel: f.export_secret ? f.export_secret.label : null,
  };
}

/** The import dialog's texts from the services that have vendor files to import from. */
export function importTexts(list) {
  const from = (list ?? []).filter((s) => s.files?.import);
  const files = from.map((s) => s.files.label).filter(Boolean);
  return {
    none: files.length
      ? `Found no keys in ${joinOr(files)}. Add keys by hand with New profile and Add key.`
      : "No service has files to import keys from. Add keys by hand with New profile and Add key.",
    placeholder: from.map((s) => s.id).join(" / ") || "work",
  };
}

/** The welcome screen's list of services: "A, B and C". */
export function welcomeServices(list) {
  return joinAnd((list ?? []).map((s) => s.name));
}

/**
 * The message after the sandbox started: its URL, the demo profiles, and the demo account when
 * the backend names one (`user`/`password`, or fields ending in `_user`/`_password`).
 */
export function sandboxText(info) {
  const pick = (suffix) => info?.[suffix] ?? Object.entries(info ?? {}).find(([k]) => k.endsWith(`_${suffix}`))?.[1];
  const user = pick("user");
  const password = pick("password");
  const profiles = info?.profiles ?? [];
  let s = `The sandbox runs at ${info?.url}.`;
  if (profiles.length) s += ` Try ${joinAnd(profiles)}`;
  if (profiles.length && user) s += `: the demo user is ${user}${password ? `, password ${password}` : ""}.`;
  else if (profiles.length) s += ".";
  return s;
}
