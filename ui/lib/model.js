// Pure functions behind the SimCred UI: services, badges, masking, grouping, dates, sentences.
// No DOM and no Tauri here, so `node --test ui/tests/` can check them.

/** The services in the order the profile list shows them. */
export const SERVICES = [
  { id: "simai", name: "Ansys SimAI" },
  { id: "modelon", name: "Modelon Impact" },
  { id: "dlubal", name: "Dlubal API" },
  { id: "oidc", name: "OpenID Connect" },
];

/** The vendor's product name of a service id (the id itself when unknown). */
export function serviceName(id) {
  const s = SERVICES.find((x) => x.id === id);
  return s ? s.name : String(id);
}

/**
 * What a service stores: "named" keys (Dlubal: several, one default), a "single" key per server
 * (Modelon), or sign-in "tokens" (SimAI, OIDC).
 */
export function keyPolicy(service) {
  switch (service) {
    case "dlubal":
      return "named";
    case "modelon":
      return "single";
    case "simai":
    case "oidc":
      return "tokens";
    default:
      return "named";
  }
}

/**
 * The badge for a state as core's `status()` words it (the worst key status, "no key", or for
 * sign-in services "signed in", "signed out", "offline token (created …)", "offline token
 * revoked", "session expired", …). Returns { kind, label }; `kind` picks the colour and is
 * stable for tests.
 */
export function badgeFor(state) {
  const s = String(state ?? "").trim().toLowerCase();
  const words = {
    valid: ["valid", "valid"],
    unverified: ["unverified", "unverified"],
    invalid: ["invalid", "invalid"],
    unreachable: ["unreachable", "unreachable"],
    expired: ["expired", "expired"],
    revoked: ["revoked", "revoked"],
    "signed in": ["signed-in", "signed in"],
    "signed out": ["signed-out", "signed out"],
    "no key": ["none", "no key"],
  };
  if (words[s]) return { kind: words[s][0], label: words[s][1] };
  const m = /^(offline token|session) (\w+)$/.exec(s);
  if (m) {
    const st = m[2];
    if (st === "expired" || st === "revoked") return { kind: st, label: st };
    if (st === "invalid") return { kind: "invalid", label: "invalid" };
    if (st === "unreachable") return { kind: "unreachable", label: "unreachable" };
  }
  if (s.startsWith("offline token")) return { kind: "offline", label: "offline token" };
  if (s.startsWith("session")) return { kind: "signed-in", label: "signed in" };
  return { kind: "unknown", label: s || "unknown" };
}

/** Whether a badge kind means the credential will not work. */
export function needsAttention(kind) {
  return kind === "invalid" || kind === "expired" || kind === "revoked";
}

/** A key shown masked from its stored last four characters: ••••••••c50c. */
export function maskSecret(last4) {
  const tail = typeof last4 === "string" ? last4.slice(-4) : "";
  return "••••••••" + tail;
}

/**
 * Groups profiles by service in SERVICES order (unknown services last), names sorted
 * case-insensitively; empty groups are left out.
 * @returns {{service: string, name: string, profiles: object[]}[]}
 */
export function groupProfiles(profiles) {
  const groups = new Map();
  for (const p of profiles ?? []) {
    if (!groups.has(p.service)) groups.set(p.service, []);
    groups.get(p.service).push(p);
  }
  const order = SERVICES.map((s) => s.id);
  const ids = [...groups.keys()].sort((a, b) => {
    const ia = order.indexOf(a) === -1 ? order.length : order.indexOf(a);
    const ib = order.indexOf(b) === -1 ? order.length : order.indexOf(b);
    return ia - ib || String(a).localeCompare(String(b));
  });
  return ids.map((id) => ({
    service: id,
    name: serviceName(id),
    profiles: groups
      .get(id)
      .slice()
      .sort((a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: "base" })),
  }));
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

/** The countdown line for a copied key. */
export function countdownText(key, secondsLeft) {
  const s = Math.max(0, Math.round(secondsLeft));
  return `Copied ${key}. The clipboard clears in ${s} s.`;
}

/** The sign-in tokens of a profile, in display order, with a label each. */
export function tokenRows(profile) {
  const labels = { offline: "Offline token", session: "Session (refresh token)", access: "Access token" };
  const order = ["offline", "session", "access"];
  return (profile?.tokens ?? [])
    .slice()
    .sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name))
    .map((t) => ({ ...t, label: labels[t.name] ?? t.name }));
}

/** A settings table for display: known settings first in `known` order, then the others. */
export function settingsRows(settings, known = []) {
  const entries = Object.entries(settings ?? {}).filter(([, v]) => v !== "");
  const idx = (k) => (known.indexOf(k) === -1 ? known.length : known.indexOf(k));
  return entries.sort(([a], [b]) => idx(a) - idx(b) || a.localeCompare(b));
}

/** A human label of a setting name: "tls_ca_bundle" → "TLS CA bundle". */
export function settingLabel(name) {
  const special = {
    url: "URL",
    https_proxy: "HTTPS proxy",
    tls_ca_bundle: "TLS CA bundle",
    timeout: "Timeout (s)",
    client_id: "Client ID",
    geomai_workspace: "GeomAI workspace",
    geomai_project: "GeomAI project",
    skip_version_check: "Skip version check",
    no_sse_connection: "No SSE connection",
  };
  if (special[name]) return special[name];
  const s = String(name).replace(/_/g, " ");
  return s.charAt(0).toUpperCase() + s.slice(1);
}
