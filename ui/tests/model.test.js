// Unit tests of the UI's pure functions: node --test ui/tests/
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  checkMessage,
  badgeFor,
  badgeForState,
  countdownParts,
  countdownText,
  errorText,
  formatTime,
  groupProfiles,
  importServices,
  joinAnd,
  keyBadge,
  keyPolicy,
  maskSecret,
  needsAttention,
  shortBackend,
  supersededMessage,
  normalizeService,
  profileBadge,
  relativeTime,
  sentence,
  service,
  serviceName,
  services,
  setServices,
  settingLabel,
  settingsRows,
  tokenBadge,
  tokenLastUsed,
  tokenRows,
} from "../lib/model.js";
import { ACME, DLUBAL, MODELON, SERVICES } from "./fixtures.js";

setServices(SERVICES);

test("badges map every state core's status() words (the fallback without a condition)", () => {
  const cases = {
    valid: "valid",
    unverified: "unverified",
    invalid: "invalid",
    unreachable: "unreachable",
    expired: "expired",
    revoked: "revoked",
    "signed in": "signed-in",
    "signed out": "signed-out",
    "no key": "none",
    "offline token (created 2026-11-23T10:00:00Z)": "offline",
    "offline token (created 2026-11-23T10:00:00Z, last used 2026-11-23T11:00:00Z)": "offline",
    "offline token revoked": "revoked",
    "offline token expired": "expired",
    "offline token invalid": "invalid",
    "session expired": "expired",
    "session revoked": "revoked",
  };
  for (const [state, kind] of Object.entries(cases)) {
    assert.equal(badgeFor(state).kind, kind, state);
  }
  assert.equal(badgeFor("offline token (created x)").label, "offline token");
  assert.equal(badgeFor("signed in").label, "signed in");
  assert.equal(badgeFor("something new").kind, "unknown");
  assert.equal(badgeFor(undefined).label, "unknown");
  assert.deepEqual(badgeForState("session expired"), { kind: "expired", label: "expired" });
});

test("badges from the typed condition equal those from the state text", () => {
  const pairs = [
    [{ kind: "no_key" }, "no key"],
    [{ kind: "key", status: "valid" }, "valid"],
    [{ kind: "key", status: "unverified" }, "unverified"],
    [{ kind: "key", status: "invalid" }, "invalid"],
    [{ kind: "key", status: "unreachable" }, "unreachable"],
    [{ kind: "key", status: "expired" }, "expired"],
    [{ kind: "key", status: "revoked" }, "revoked"],
    [{ kind: "signed_out" }, "signed out"],
    [{ kind: "signed_in" }, "signed in"],
    [{ kind: "offline_token", created: "2026-11-23T10:00:00Z", last_used: null }, "offline token (created 2026-11-23T10:00:00Z)"],
    [{ kind: "token_problem", token: "offline", status: "revoked" }, "offline token revoked"],
    [{ kind: "token_problem", token: "offline", status: "expired" }, "offline token expired"],
    [{ kind: "token_problem", token: "offline", status: "invalid" }, "offline token invalid"],
    [{ kind: "token_problem", token: "offline", status: "unreachable" }, "offline token unreachable"],
    [{ kind: "token_problem", token: "session", status: "expired" }, "session expired"],
    [{ kind: "token_problem", token: "session", status: "revoked" }, "session revoked"],
    [{ kind: "token_problem", token: "offline", status: "unverified" }, "offline token unverified"],
    [{ kind: "token_problem", token: "session", status: "unverified" }, "session unverified"],
    [{ kind: "signed_in_offline_problem", status: "revoked" }, "signed in · offline token revoked — generate a new one"],
  ];
  for (const [condition, state] of pairs) {
    assert.deepEqual(badgeFor(condition), badgeForState(state), JSON.stringify(condition));
  }
  const kinds = new Set(pairs.map(([c]) => badgeFor(c).kind));
  for (const k of ["valid", "unverified", "invalid", "unreachable", "expired", "revoked", "signed-in", "signed-out", "none", "offline"]) {
    assert.ok(kinds.has(k), k);
  }
  assert.equal(badgeFor({ kind: "new_thing" }).kind, "unknown");
  // Signed in again after the offline token was revoked: signed in, with the token's problem, not red.
  assert.deepEqual(badgeFor({ kind: "signed_in_offline_problem", status: "revoked" }), { kind: "signed-in-attention", label: "signed in · offline token revoked" });
  assert.ok(!needsAttention("signed-in-attention"));
  // A profile line: the condition wins over the text; without one the text is read.
  assert.equal(profileBadge({ state: "no key", condition: { kind: "key", status: "valid" } }).kind, "valid");
  assert.equal(profileBadge({ state: "signed out" }).kind, "signed-out");
});

test("key and token badges: a key that cannot be checked is stored, not unverified", () => {
  assert.deepEqual(keyBadge("unverified", DLUBAL), { kind: "stored", label: "stored · not checkable" });
  assert.deepEqual(keyBadge("unverified", MODELON), { kind: "unverified", label: "unverified" });
  assert.deepEqual(keyBadge("invalid", DLUBAL), { kind: "invalid", label: "invalid" });
  assert.deepEqual(keyBadge("unverified"), { kind: "unverified", label: "unverified" });
  // The profile's badge keeps saying unverified (the list does not single out such services).
  assert.equal(badgeFor({ kind: "key", status: "unverified" }).kind, "unverified");
  assert.equal(tokenBadge({ name: "offline", status: "valid" }).kind, "offline");
  assert.equal(tokenBadge({ name: "session", status: "valid" }).kind, "signed-in");
  assert.equal(tokenBadge({ name: "access", status: "valid" }).kind, "valid");
  assert.equal(tokenBadge({ name: "offline", status: "revoked" }).kind, "revoked");
});

test("attention kinds are the ones that will not work", () => {
  assert.ok(needsAttention("invalid") && needsAttention("expired") && needsAttention("revoked"));
  assert.ok(!needsAttention("unverified") && !needsAttention("valid") && !needsAttention("offline"));
});

test("masking shows at most the last four characters", () => {
  assert.equal(maskSecret("c50c"), "••••••••c50c");
  assert.equal(maskSecret(""), "••••••••");
  assert.equal(maskSecret("abcdefgh"), "••••••••efgh");
  assert.equal(maskSecret(undefined), "••••••••");
});

test("profiles are grouped by service in the registry's order, names sorted", () => {
  const groups = groupProfiles([
    { name: "rfem", service: "dlubal" },
    { name: "Beta", service: "simai" },
    { name: "alpha", service: "simai" },
    { name: "impact", service: "modelon" },
    { name: "x", service: "future" },
  ]);
  assert.deepEqual(
    groups.map((g) => [g.service, g.name, g.profiles.map((p) => p.name)]),
    [
      ["simai", "Ansys SimAI", ["alpha", "Beta"]],
      ["modelon", "Modelon Impact", ["impact"]],
      ["dlubal", "Dlubal API", ["rfem"]],
      ["future", "future", ["x"]],
    ],
  );
  assert.deepEqual(groupProfiles([]), []);
  // Another registry, another order: the list is the registry's, not the UI's.
  const other = [DLUBAL, MODELON].map(normalizeService);
  assert.deepEqual(
    groupProfiles([{ name: "impact", service: "modelon" }, { name: "rfem", service: "dlubal" }], other).map((g) => g.service),
    ["dlubal", "modelon"],
  );
});

test("services: names and what they store come from the descriptors", () => {
  assert.equal(serviceName("oidc"), "OpenID Connect");
  assert.equal(keyPolicy("dlubal"), "named");
  assert.equal(keyPolicy("modelon"), "single");
  assert.equal(keyPolicy("simai"), "tokens");
  assert.equal(keyPolicy("oidc"), "tokens");
  assert.equal(serviceName("nope"), "nope");
  assert.equal(service("nope"), null);
  assert.deepEqual(importServices().map((s) => s.id), ["simai", "modelon", "dlubal"]);
  assert.deepEqual(services().map((s) => s.id), ["simai", "modelon", "dlubal", "oidc"]);
});

test("a service only the registry knows flows through", () => {
  const list = setServices([...SERVICES, ACME]);
  try {
    assert.equal(list.length, 5);
    assert.equal(serviceName("acme"), "Acme Solver Cloud");
    assert.equal(keyPolicy("acme"), "single");
    assert.deepEqual(
      groupProfiles([{ name: "a", service: "acme" }, { name: "w", service: "simai" }]).map((g) => [g.service, g.name]),
      [["simai", "Ansys SimAI"], ["acme", "Acme Solver Cloud"]],
    );
    assert.equal(settingLabel("region", service("acme")), "Region");
    assert.deepEqual(importServices().map((s) => s.id), ["simai", "modelon", "dlubal", "acme"]);
  } finally {
    setServices(SERVICES);
  }
});

test("descriptors are normalized: missing fields get the safe values", () => {
  const d = normalizeService({ id: "bare", settings: ["url", { name: "x_id", kind: "weird" }] });
  assert.equal(d.name, "bare");
  assert.equal(d.key_policy, "named");
  assert.equal(d.checkable, false);
  assert.equal(d.sign_in, null);
  assert.equal(d.files, null);
  assert.deepEqual(d.settings.map((s) => [s.name, s.label, s.kind]), [["url", "URL", "text"], ["x_id", "X ID", "text"]]);
  assert.equal(joinAnd(["a", "b", "c"]), "a, b and c");
  assert.equal(joinAnd(["a"]), "a");
});

test("core messages become sentences, URLs are left alone", () => {
  assert.equal(sentence("the server answered 500"), "The server answered 500.");
  assert.equal(sentence("Done."), "Done.");
  assert.equal(sentence("key is invalid (401)"), "Key is invalid (401).");
  assert.equal(
    sentence("http://127.0.0.1:1/auth answered 500 without an OAuth error code"),
    "http://127.0.0.1:1/auth answered 500 without an OAuth error code.",
  );
  assert.equal(sentence(""), "Something went wrong.");
  assert.equal(errorText({ code: "invalid", message: "the key is empty" }), "The key is empty.");
  assert.equal(errorText("boom"), "Boom.");
});

test("times and countdowns", () => {
  assert.match(formatTime("2026-11-23T14:05:00Z"), /^2026-11-2[34] \d\d:\d5$/);
  assert.equal(formatTime(null), "—");
  assert.equal(formatTime("not a date"), "not a date");
  const now = Date.parse("2026-11-23T12:00:00Z");
  assert.equal(relativeTime("2026-11-23T12:05:00Z", now), "in 5 min");
  assert.equal(relativeTime("2026-11-23T10:00:00Z", now), "2 h ago");
  assert.equal(relativeTime("2026-11-23T12:00:30Z", now), "in 30 s");
  assert.equal(relativeTime("", now), "");
  assert.equal(countdownText("project_1", 2.6), "Clipboard clears in 3 s · copied project_1");
  assert.equal(countdownText("k", -1), "Clipboard clears in 0 s · copied k");
  assert.deepEqual(countdownParts("k", 3), ["Clipboard clears in 3 s ·", "copied k"]);
  assert.equal(shortBackend("Secret Service (D-Bus org.freedesktop.secrets)"), "Secret Service");
  assert.equal(shortBackend("Windows Credential Manager"), "Windows Credential Manager");
  assert.equal(shortBackend("(odd)"), "(odd)");
});

test("tokens in display order with labels; settings known-first", () => {
  const rows = tokenRows({ tokens: [{ name: "access" }, { name: "offline" }, { name: "session" }] });
  assert.deepEqual(rows.map((r) => r.name), ["offline", "session", "access"]);
  assert.equal(rows[0].label, "Offline token");
  assert.deepEqual(tokenRows({}), []);
  // One offline token per client (SimAI): each row names its client, the default's first.
  const sim = tokenRows({ tokens: [{ name: "access" }, { name: "offline@sdk" }, { name: "offline" }] }, ["com.ansys.simai.sdk", "sdk"]);
  assert.deepEqual(sim.map((r) => [r.label, r.client]), [
    ["Offline token (client com.ansys.simai.sdk)", "com.ansys.simai.sdk"],
    ["Offline token (client sdk)", "sdk"],
    ["Access token", null],
  ]);
  assert.equal(tokenBadge({ name: "offline@sdk", status: "valid" }).kind, "offline");
  assert.deepEqual(
    settingsRows({ zeta: "1", url: "u", organization: "o", empty: "" }, ["url", "organization"]).map(([k]) => k),
    ["url", "organization", "zeta"],
  );
  assert.equal(settingLabel("tls_ca_bundle"), "TLS CA bundle");
  assert.equal(settingLabel("organization"), "Organization");
  assert.equal(settingLabel("url", service("modelon")), "Server URL");
  assert.equal(settingLabel("client_id"), "Client ID");
});

test("badges carry the age of the answer; unreachable and the account are apart", async () => {
  const { agoText, profileBadgeWithAge, unreachableBadge, accountText } = await import("../lib/model.js");
  const now = Date.parse("2026-11-23T12:00:00Z");
  assert.equal(agoText("2026-11-23T11:59:58Z", now), "just now");
  assert.equal(agoText("2026-11-23T12:00:30Z", now), "just now"); // a clock set back
  assert.equal(agoText("2026-11-23T11:58:00Z", now), "2 min ago");
  const valid = { condition: { kind: "key", status: "valid" }, checked: "2026-11-23T11:58:00Z" };
  assert.deepEqual(profileBadgeWithAge(valid, now), { kind: "valid", label: "valid · checked 2 min ago" });
  assert.equal(profileBadgeWithAge({ condition: { kind: "key", status: "unverified" } }, now).label, "unverified · not checked yet");
  assert.deepEqual(profileBadgeWithAge({ condition: { kind: "stored" } }, now), { kind: "stored", label: "stored · not checkable" });
  assert.equal(profileBadgeWithAge({ condition: { kind: "signed_out" } }, now).label, "signed out");
  assert.equal(unreachableBadge(valid, now), null);
  const down = { ...valid, unreachable: "2026-11-23T11:59:00Z", unreachable_detail: "no answer" };
  assert.deepEqual(unreachableBadge(down, now), { kind: "unreachable", label: "unreachable · 1 min ago", detail: "no answer" });
  assert.equal(profileBadgeWithAge(down, now).kind, "valid");
  assert.equal(accountText({ account: "jane@x.io (acme)" }, "tokens"), "Signed in as jane@x.io (acme)");
  assert.equal(accountText({ account: "jane" }, "single"), "Key of jane");
  assert.equal(accountText({}, "single"), null);
});

test("a check's message is coloured by what happened, never green when nothing was proven", () => {
  const r = (status, extra = {}) => ({ key: { name: "api-key", status, detail: extra.detail }, unreachable: extra.unreachable ?? null });
  assert.deepEqual(checkMessage("m", r("valid", { detail: "demo-user" })), { text: "m/api-key is valid — demo-user.", kind: "success" });
  assert.equal(checkMessage("m", r("invalid")).kind, "error");
  const limited = checkMessage("d", r("restricted", { detail: "API access has been restricted." }));
  assert.deepEqual(limited, { text: "d/api-key is plan restricted — API access has been restricted.", kind: "error" });
  // The service did not answer: a warning that says so, and the state the key keeps.
  const down = checkMessage("m", r("unverified", { unreachable: "no answer from 127.0.0.1:1 within 15 s" }));
  assert.equal(down.kind, "warning");
  assert.equal(down.text, "Could not check m/api-key: no answer from 127.0.0.1:1 within 15 s. The key stays unverified.");
  assert.match(checkMessage("m", r("valid", { unreachable: "reset" })).text, /The key stays valid as last checked\.$/);
  assert.equal(checkMessage("x", r("unverified")).kind, "info");
});

test("a green message gives way when a later answer says otherwise", () => {
  const at = Date.parse("2026-12-04T12:00:00Z");
  const about = { profile: "modelon", kind: "success", at };
  const ok = { name: "modelon", condition: { kind: "key", status: "valid" }, checked: "2026-12-04T12:00:00Z" };
  assert.equal(supersededMessage(about, ok, at + 60_000), null);
  const down = { ...ok, unreachable: "2026-12-04T12:01:00Z", unreachable_detail: "nothing listens on 127.0.0.1:9" };
  assert.deepEqual(supersededMessage(about, down, at + 60_000), {
    text: "Profile modelon: the service did not answer just now: nothing listens on 127.0.0.1:9. Its last known state is kept.",
    kind: "warning",
  });
  // An outage from before the message is old news; a warning or error stays as it is.
  assert.equal(supersededMessage(about, { ...down, unreachable: "2026-12-04T11:50:00Z" }, at), null);
  assert.equal(supersededMessage({ ...about, kind: "warning" }, down, at), null);
  assert.equal(supersededMessage(about, { ...down, name: "other" }, at), null);
  assert.equal(supersededMessage(about, { ...ok, condition: { kind: "key", status: "invalid" } }, at).kind, "error");
});

test("tokenLastUsed takes the later of SimCred's last use and the consent's, for offline tokens only", () => {
  const consents = [
    { client_id: "com.ansys.simai.sdk", last_updated_date: "2026-12-02T10:05:00Z", stored_here: true },
    { client_id: "sdk", last_updated_date: "2026-12-02T11:00:00Z", stored_here: false },
  ];
  const offline = { name: "offline", client: "com.ansys.simai.sdk", checked: null };
  assert.equal(tokenLastUsed(offline), null);
  assert.equal(tokenLastUsed(offline, consents), "2026-12-02T10:05:00Z");
  assert.equal(tokenLastUsed({ ...offline, checked: "2026-12-02T10:30:00Z" }, consents), "2026-12-02T10:30:00Z");
  // Another client's consent is not this token's; without a client, the one SimCred holds.
  assert.equal(tokenLastUsed({ name: "offline@sdk", client: "sdk" }, consents), "2026-12-02T11:00:00Z");
  assert.equal(tokenLastUsed({ name: "offline", client: null }, consents), "2026-12-02T10:05:00Z");
  // A session is not a consent; a bad time from the server is ignored.
  assert.equal(tokenLastUsed({ name: "session", checked: "2026-12-02T09:00:00Z" }, consents), "2026-12-02T09:00:00Z");
  assert.equal(tokenLastUsed(offline, [{ client_id: "com.ansys.simai.sdk", last_updated_date: "yesterday" }]), null);
});
