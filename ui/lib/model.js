// Pure functions behind the SimCred UI: services, badges, masking, grouping, dates, sentences.
// No DOM and no Tauri here, so `node --test ui/tests/` can check them.
//
// The UI knows no service of its own: every service, its key policy, its settings form and its
// vendor files come from the registry's descriptors (`app_info().services`), handed over once
// with setServices(). Every function that needs them also takes the list explicitly, so tests
// can pass fixture descriptors.

/**
 * @typedef {{name: string, label: string, kind: "text"|"url"|"proxy"|"ca_bundle"|"seconds"|"bool",
 *   required: boolean, default: ?string, placeholder: ?string, help: ?string, advanced: boolean}} SettingDescriptor
 * @typedef {{device: boolean, password: boolean, offline: boolean, consents: boolean, clients: string[]}} SignInDescriptor
 * @typedef {{label: string, export: boolean, import: boolean, export_force: boolean,
 *   export_secret: ?{label: string}}} FilesDescriptor
 * @typedef {{id: string, name: string, key_policy: "single"|"named"|"tokens", key_name: ?string,
 *   key_name_example: ?string, key_rules: ?string, checkable: boolean, key_page: ?string,
 *   key_names_lowercase: boolean,
 *   profile_name_example: string, sign_in: ?SignInDescriptor, files: ?FilesDescriptor,
 *   settings: SettingDescriptor[]}} ServiceDescriptor
 */

const KINDS = new Set(["text", "url", "proxy", "ca_bundle", "seconds", "bool"]);
const POLICIES = new Set(["single", "named", "tokens"]);

/** The descriptors handed over by setServices(), in the order the app lists services. */
let registry = [];

/**
 * One setting descriptor with every field present. A bare name (an older backend's list of
 * setting names) becomes a plain optional text setting.
 * @returns {SettingDescriptor}
 */
export function normalizeSetting(s) {
  const d = typeof s === "string" ? { name: s } : { ...(s ?? {}) };
  const name = String(d.name ?? "");
  return {
    name,
    label: d.label ? String(d.label) : settingLabel(name),
    kind: KINDS.has(d.kind) ? d.kind : "text",
    required: d.required === true,
    default: d.default ?? null,
    placeholder: d.placeholder ?? null,
    help: d.help ?? null,
    advanced: d.advanced === true,
  };
}

/**
 * One service descriptor with every field present (missing ones get the safest value: named
 * keys, not checkable, no sign-in, no files).
 * @returns {ServiceDescriptor}
 */
export function normalizeService(d) {
  const x = d ?? {};
  const id = String(x.id ?? "");
  const files = x.files
    ? {
        label: String(x.files.label ?? ""),
        export: x.files.export === true,
        import: x.files.import === true,
        export_force: x.files.export_force === true,
        export_secret: x.files.export_secret ? { label: String(x.files.export_secret.label ?? "") } : null,
      }
    : null;
  const signIn = x.sign_in
    ? {
        device: x.sign_in.device === true,
        password: x.sign_in.password === true,
        offline: x.sign_in.offline === true,
        consents: x.sign_in.consents === true,
        clients: Array.isArray(x.sign_in.clients) ? x.sign_in.clients.map(String) : [],
      }
    : null;
  return {
    id,
    name: x.name ? String(x.name) : id,
    key_policy: POLICIES.has(x.key_policy) ? x.key_policy : "named",
    key_name: x.key_name ?? null,
    key_name_example: x.key_name_example ?? null,
    key_rules: x.key_rules ?? null,
    checkable: x.checkable === true,
    key_page: x.key_page ?? null,
    key_names_lowercase: x.key_names_lowercase === true,
    profile_name_example: x.profile_name_example ? String(x.profile_name_example) : "work",
    sign_in: signIn,
    files,
    settings: (Array.isArray(x.settings) ? x.settings : []).map(normalizeSetting).filter((s) => s.name),
  };
}

/**
 * Keeps the registry's descriptors (from `app_info().services`) for the functions below.
 * @param {object[]} list
 * @returns {ServiceDescriptor[]} the normalized list
 */
export function setServices(list) {
  registry = (Array.isArray(list) ? list : []).map(normalizeService).filter((s) => s.id);
  return registry;
}

/** The descriptors set by setServices(), in the registry's order. */
export function services() {
  return registry;
}

/** The descriptor of a service id, or null when the registry has none. */
export function service(id, list = registry) {
  return list.find((s) => s.id === id) ?? null;
}

/** The vendor's product name of a service id (the id itself when unknown). */
export function serviceName(id, list = registry) {
  const s = service(id, list);
  return s ? s.name : String(id);
}

/**
 * What a service stores: "named" keys (several, one default), a "single" key per server, or
 * sign-in "tokens"; "named" for a service the registry does not know.
 */
export function keyPolicy(id, list = registry) {
  return service(id, list)?.key_policy ?? "named";
}

/** "A, B and C" */
export function joinAnd(items) {
  const xs = (items ?? []).map(String);
  if (xs.length <= 1) return xs.join("");
  return `${xs.slice(0, -1).join(", ")} and ${xs[xs.length - 1]}`;
}

/** "A, B or C" */
export function joinOr(items) {
  const xs = (items ?? []).map(String);
  if (xs.length <= 1) return xs.join("");
  return `${xs.slice(0, -1).join(", ")} or ${xs[xs.length - 1]}`;
}

/** The services whose vendor files can be imported from, in registry order. */
export function importServices(list = registry) {
  return list.filter((s) => s.files?.import);
}

const KEY_STATUSES = new Set(["valid", "unverified", "invalid", "unreachable", "expired", "revoked", "restricted"]);
/** Labels that differ from the status word. */
const KEY_LABELS = { restricted: "plan restricted" };
const STORED = { kind: "stored", label: "stored · not checkable" };

/**
 * The badge for a state as core's `status()` words it (the worst key status, "no key", or for
 * sign-in services "signed in", "signed out", "offline token (created …)", "offline token
 * revoked", "session expired", …): the fallback for a backend that sends no `condition`.
 * @returns {{kind: string, label: string}}
 */
export function badgeForState(state) {
  const s = String(state ?? "").trim().toLowerCase();
  const words = {
    valid: ["valid", "valid"],
    unverified: ["unverified", "unverified"],
    invalid: ["invalid", "invalid"],
    unreachable: ["unreachable", "unreachable"],
    expired: ["expired", "expired"],
    revoked: ["revoked", "revoked"],
    restricted: ["restricted", "plan restricted"],
    "signed in": ["signed-in", "signed in"],
    "signed out": ["signed-out", "signed out"],
    "no key": ["none", "no key"],
  };
  if (words[s]) return { kind: words[s][0], label: words[s][1] };
  const again = /^signed in · offline token (\w+)/.exec(s);
  if (again) return signedInAgainBadge(again[1]);
  const m = /^(offline token|session) (\w+)$/.exec(s);
  if (m) {
    const problem = tokenProblemBadge(m[2]);
    if (problem) return problem;
  }
  if (s.startsWith("offline token")) return { kind: "offline", label: "offline token" };
  if (s.startsWith("session")) return { kind: "signed-in", label: "signed in" };
  return { kind: "unknown", label: s || "unknown" };
}

/** Signed in again after the offline token stopped working: the app works, scripts need a new token. */
function signedInAgainBadge(status) {
  return { kind: "signed-in-attention", label: `signed in · offline token ${String(status ?? "").toLowerCase()}` };
}

/** The badge of a token that no longer works, or null for a status that is not a problem. */
function tokenProblemBadge(status) {
  const st = String(status ?? "").toLowerCase();
  if (st === "expired" || st === "revoked" || st === "invalid" || st === "unreachable") return { kind: st, label: st };
  return null;
}

/**
 * The badge for a profile's typed `condition` from `status()` (or, when a backend sends none,
 * its `state` text). `kind` picks the colour and is stable for tests: valid, unverified,
 * invalid, unreachable, expired, revoked, signed-in, signed-in-attention (signed in again after the
 * offline token stopped working), signed-out, none, offline, unknown. A
 * profile's badge says "unverified" even when its service cannot check keys (the key rows say
 * "stored · not checkable", see keyBadge).
 * @param {object|string} condition
 * @returns {{kind: string, label: string}}
 */
export function badgeFor(condition) {
  if (!condition || typeof condition !== "object") return badgeForState(condition);
  switch (condition.kind) {
    case "no_key":
      return { kind: "none", label: "no key" };
    case "stored":
      return { ...STORED };
    case "key":
      return keyBadge(condition.status);
    case "signed_out":
      return { kind: "signed-out", label: "signed out" };
    case "signed_in":
      return { kind: "signed-in", label: "signed in" };
    case "offline_token":
      return { kind: "offline", label: "offline token" };
    case "signed_in_offline_problem":
      return signedInAgainBadge(condition.status);
    case "token_problem":
      return (
        tokenProblemBadge(condition.status) ??
        (condition.token === "offline" ? { kind: "offline", label: "offline token" } : { kind: "signed-in", label: "signed in" })
      );
    default:
      return { kind: "unknown", label: String(condition.kind ?? "unknown") };
  }
}

/**
 * The badge of one key's status ("valid", "unverified", …). With a descriptor that is not
 * `checkable`, "unverified" becomes the neutral "stored · not checkable".
 */
export function keyBadge(status, descriptor) {
  const s = String(status ?? "").trim().toLowerCase();
  if (s === "unverified" && descriptor && descriptor.checkable === false) return { ...STORED };
  if (KEY_STATUSES.has(s)) return { kind: s, label: KEY_LABELS[s] ?? s };
  return badgeForState(s);
}

/** Whether a token row is an offline token: `offline` (the default client's) or `offline@CLIENT`. */
export function isOfflineToken(name) {
  return name === "offline" || String(name ?? "").startsWith("offline@");
}

/**
 * When a token row was last used: the later of SimCred's own last use of it (`checked`) and,
 * for an offline token, the identity provider's last use of its client's consent (the
 * consent's `last_updated_date`) when `consents` are loaded — a job that refreshed the token
 * elsewhere, or the SDK itself, shows there and nowhere else. Null when neither says.
 */
export function tokenLastUsed(token, consents) {
  const times = [token?.checked];
  if (isOfflineToken(token?.name) && Array.isArray(consents)) {
    const c = consents.find((x) => (token.client ? x?.client_id === token.client : x?.stored_here));
    if (c) times.push(c.last_updated_date);
  }
  let best = null;
  for (const t of times) if (t && !Number.isNaN(Date.parse(t)) && (!best || Date.parse(t) > Date.parse(best))) best = t;
  return best;
}

/** The badge of one sign-in token row ({name: offline|offline@CLIENT|session|access, status}). */
export function tokenBadge(token) {
  const st = String(token?.status ?? "").toLowerCase();
  if (st === "valid" && isOfflineToken(token?.name)) return { kind: "offline", label: "offline token" };
  if (st === "valid" && token?.name === "session") return { kind: "signed-in", label: "signed in" };
  return badgeForState(st);
}

/** The badge of a profile line of `status()`: its `condition`, else its `state` text. */
export function profileBadge(profileStatus) {
  return badgeFor(profileStatus?.condition ?? profileStatus?.state);
}

/** "2 min ago" for a past time; "just now" for the last few seconds or a clock set back. */
export function agoText(iso, now = Date.now()) {
  const t = new Date(iso).getTime();
  if (!iso || Number.isNaN(t)) return "";
  if (Number(now) - t < 5000) return "just now";
  return relativeTime(iso, now);
}

/**
 * A profile's badge with the age of the answer it rests on: "valid · checked 2 min ago",
 * "signed in · checked just now", "valid · not checked yet". States no service said anything
 * about (no key, signed out, stored · not checkable) keep their plain label.
 */
export function profileBadgeWithAge(profileStatus, now = Date.now()) {
  const b = profileBadge(profileStatus);
  if (["none", "signed-out", "stored", "unknown"].includes(b.kind)) return b;
  const checked = profileStatus?.checked;
  const age = checked ? `checked ${agoText(checked, now)}` : "not checked yet";
  return { ...b, label: `${b.label} · ${age}` };
}

/**
 * The "unreachable" badge kept apart from the credential's own state: set when the latest
 * attempt to ask the service got no answer ({kind, label, detail}), else null.
 */
export function unreachableBadge(profileStatus, now = Date.now()) {
  const u = profileStatus?.unreachable;
  if (!u) return null;
  return { kind: "unreachable", label: `unreachable · ${agoText(u, now)}`, detail: profileStatus.unreachable_detail ?? "" };
}

/** The account line: "Signed in as jane@example.com" / "Key of jane", or null when unknown. */
export function accountText(profileStatus, policy) {
  const a = profileStatus?.account;
  if (!a) return null;
  return policy === "tokens" ? `Signed in as ${a}` : `Key of ${a}`;
}

/** Whether a badge kind means the credential will not work. */
export function needsAttention(kind) {
  return kind === "invalid" || kind === "expired" || kind === "revoked" || kind === "restricted";
}

/**
 * The message after a key check (`key_check`'s report), coloured by what happened: `success`
 * only for a key the service accepted; `error` for one it refused (invalid, expired, revoked, plan
 * restricted); `warning` when the service could not be asked (the key keeps its last known state,
 * said beside it); `info` for a key that cannot be checked from here.
 * @returns {{text: string, kind: "success"|"error"|"warning"|"info"}}
 */
export function checkMessage(profile, report) {
  const key = report?.key ?? {};
  const what = `${profile}/${key.name ?? "key"}`;
  const status = String(key.status ?? "unverified");
  if (report?.unreachable) {
    const kept = status === "unverified" ? "stays unverified" : `stays ${KEY_LABELS[status] ?? status} as last checked`;
    return { text: sentence(`Could not check ${what}: ${report.unreachable}. The key ${kept}`), kind: "warning" };
  }
  const detail = key.detail ? ` — ${key.detail}` : "";
  const label = KEY_LABELS[status] ?? status;
  if (status === "valid") return { text: sentence(`${what} is valid${detail}`), kind: "success" };
  if (needsAttention(status)) return { text: sentence(`${what} is ${label}${detail}`), kind: "error" };
  return { text: sentence(`${what} is ${label}${detail}`), kind: "info" };
}

/**
 * A message about a profile that a later answer made untrue: a green "… is valid" shown before
 * the service stopped answering (or before the profile came to need attention) is replaced by
 * what is true now. `about` is {profile, kind, at} of the message on screen (`at` in ms), `st` the
 * profile's line of the latest `status()`; null when the message still holds.
 * @returns {{text: string, kind: "warning"|"error"}|null}
 */
export function supersededMessage(about, st, now = Date.now()) {
  if (!about || !st || about.kind !== "success" || st.name !== about.profile) return null;
  const down = Date.parse(st.unreachable ?? "");
  if (!Number.isNaN(down) && down >= about.at - 1000) {
    const why = st.unreachable_detail ? `: ${st.unreachable_detail}` : "";
    return { text: sentence(`Profile ${about.profile}: the service did not answer ${agoText(st.unreachable, now)}${why}. Its last known state is kept`), kind: "warning" };
  }
  const b = profileBadge(st);
  if (needsAttention(b.kind)) return { text: sentence(`Profile ${about.profile} is ${b.label} now`), kind: "error" };
  return null;
}

/** A key shown masked from its stored last four characters: ••••••••c50c. */
export function maskSecret(last4) {
  const tail = typeof last4 === "string" ? last4.slice(-4) : "";
  return "••••••••" + tail;
}

/**
 * Groups profiles by service in the registry's order (services it does not know last), names
 * sorted case-insensitively; empty groups are left out.
 * @param {object[]} profiles
 * @param {ServiceDescriptor[]} [list] the descriptors (default: those of setServices())
 * @returns {{service: string, name: string, profiles: object[]}[]}
 */
export function groupProfiles(profiles, list = registry) {
  const groups = new Map();
  for (const p of profiles ?? []) {
    if (!groups.has(p.service)) groups.set(p.service, []);
    groups.get(p.service).push(p);
  }
  const order = list.map((s) => s.id);
  const rank = (id) => (order.indexOf(id) === -1 ? order.length : order.indexOf(id));
  const ids = [...groups.keys()].sort((a, b) => rank(a) - rank(b) || String(a).localeCompare(String(b)));
  return ids.map((id) => ({
    service: id,
    name: serviceName(id, list),
    profiles: groups
      .get(id)
      .slice()
      .sort((a, b) => byName()(a.name, b.name)),
  }));
}

/** Compares profile names as people read them (case and accents aside): one collator for every
 * comparison (`localeCompare` with options may make a new one each time: sorting 1,000 profiles
 * for the first paint, scripts/bench-app.sh). */
let collator = null;
function byName() {
  collator ??= new Intl.Collator(undefined, { sensitivity: "base" });
  return collator.compare;
}

/** Turns core's message ("the server answered 500") into a sentence ("The server answered 500."). */
export function sentence(message) {
  let s = String(message ?? "").trim();
  if (!s) return "Something went wrong.";
  const first = s.split(/\s/, 1)[0];
  // Capitalize a leading word, but never a URL, a path or a quoted name.
  if (/^[a-z]/.test(s) && !first.includes("://") && !first.includes("/")) s = s[0].toUpperCase() + s.slice(1);
  if (!/[.!?…]$/.test(s)) s += ".";
  return s;
}

/** The text of an error as commands return it ({code, message}), or anything else thrown. */
export function errorText(err) {
  if (err && typeof err === "object" && "message" in err) return sentence(err.message);
  return sentence(String(err));
}

function pad(n) {
  return String(n).padStart(2, "0");
}

/** An RFC 3339 time as local "YYYY-MM-DD HH:MM"; "—" when absent, the input when unparsable. */
export function formatTime(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** "in 4 min", "2 h ago": how far `iso` is from `now` (Date or ms). */
export function relativeTime(iso, now = Date.now()) {
  const t = new Date(iso).getTime();
  if (!iso || Number.isNaN(t)) return "";
  const diff = Math.round((t - Number(now)) / 1000);
  const abs = Math.abs(diff);
  let v;
  if (abs < 60) v = `${abs} s`;
  else if (abs < 3600) v = `${Math.round(abs / 60)} min`;
  else if (abs < 86400) v = `${Math.round(abs / 3600)} h`;
  else v = `${Math.round(abs / 86400)} d`;
  return diff >= 0 ? `in ${v}` : `${v} ago`;
}

/** A keyring's name without its parenthesised detail: "Secret Service (D-Bus …)" → "Secret Service". */
export function shortBackend(name) {
  const s = String(name ?? "").trim();
  return s.replace(/\s*\([^()]*\)$/, "") || s;
}

/** The countdown line for a copied key: the countdown first, so a narrow status bar cuts
 * the key's name (the line's tooltip keeps it), never the time. */
export function countdownText(key, secondsLeft) {
  return countdownParts(key, secondsLeft).join(" ");
}

/** countdownText in its two parts: the countdown, and the name that may be cut. */
export function countdownParts(key, secondsLeft) {
  const s = Math.max(0, Math.round(secondsLeft));
  return [`Clipboard clears in ${s} s ·`, `copied ${key}`];
}

/**
 * The sign-in tokens of a profile, in display order, with a label each. Offline tokens are kept
 * one per client: `offline` is the default client's (`clients[0]` of the service), `offline@ID`
 * another's; when the service has several clients each label names its client, and `client`
 * holds it.
 * @param {{tokens?: Array<{name: string}>}} profile
 * @param {string[]} [clients] the service's clients, the default first (empty: one client)
 */
export function tokenRows(profile, clients = []) {
  const labels = { offline: "Offline token", session: "Session (refresh token)", access: "Access token" };
  const rank = (n) => (n === "offline" ? 0 : isOfflineToken(n) ? 1 : n === "session" ? 2 : n === "access" ? 3 : 4);
  const clientOf = (n) => (n === "offline" ? (clients[0] ?? null) : isOfflineToken(n) ? n.slice("offline@".length) : null);
  return (profile?.tokens ?? [])
    .slice()
    .sort((a, b) => rank(a.name) - rank(b.name) || String(a.name).localeCompare(String(b.name)))
    .map((t) => {
      const client = clientOf(t.name);
      const label = isOfflineToken(t.name) ? (client && (clients.length || t.name !== "offline") ? `Offline token (client ${client})` : "Offline token") : (labels[t.name] ?? t.name);
      return { ...t, label, client };
    });
}

/** A settings table for display: known settings first in `known` order, then the others. */
export function settingsRows(settings, known = []) {
  const entries = Object.entries(settings ?? {}).filter(([, v]) => v !== "");
  const idx = (k) => (known.indexOf(k) === -1 ? known.length : known.indexOf(k));
  return entries.sort(([a], [b]) => idx(a) - idx(b) || a.localeCompare(b));
}

const ACRONYMS = new Set(["url", "uri", "https", "http", "tls", "ca", "id", "api", "sse", "pem", "ssl"]);

/**
 * The label of a setting: the descriptor's label when the service has one, else the name made
 * readable ("tls_ca_bundle" → "TLS CA bundle").
 * @param {string} name
 * @param {ServiceDescriptor} [descriptor]
 */
export function settingLabel(name, descriptor) {
  const known = descriptor?.settings?.find((s) => s.name === name);
  if (known?.label) return known.label;
  const words = String(name).split("_").filter(Boolean);
  return words
    .map((w, i) => (ACRONYMS.has(w.toLowerCase()) ? w.toUpperCase() : i === 0 ? w.charAt(0).toUpperCase() + w.slice(1) : w))
    .join(" ");
}
