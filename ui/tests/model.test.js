// Unit tests of the UI's pure functions: node --test ui/tests/
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  badgeFor,
  countdownText,
  errorText,
  formatTime,
  groupProfiles,
  keyPolicy,
  maskSecret,
  needsAttention,
  relativeTime,
  sentence,
  serviceName,
  settingLabel,
  settingsRows,
  tokenRows,
} from "../lib/model.js";

test("badges map every state core's status() words", () => {
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

test("profiles are grouped by service in a fixed order, names sorted", () => {
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
});

test("services: names and what they store", () => {
  assert.equal(serviceName("oidc"), "OpenID Connect");
  assert.equal(keyPolicy("dlubal"), "named");
  assert.equal(keyPolicy("modelon"), "single");
  assert.equal(keyPolicy("simai"), "tokens");
  assert.equal(keyPolicy("oidc"), "tokens");
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
  assert.equal(countdownText("project_1", 2.6), "Copied project_1. The clipboard clears in 3 s.");
  assert.equal(countdownText("k", -1), "Copied k. The clipboard clears in 0 s.");
});

test("tokens in display order with labels; settings known-first", () => {
  const rows = tokenRows({ tokens: [{ name: "access" }, { name: "offline" }, { name: "session" }] });
  assert.deepEqual(rows.map((r) => r.name), ["offline", "session", "access"]);
  assert.equal(rows[0].label, "Offline token");
  assert.deepEqual(tokenRows({}), []);
  assert.deepEqual(
    settingsRows({ zeta: "1", url: "u", organization: "o", empty: "" }, ["url", "organization"]).map(([k]) => k),
    ["url", "organization", "zeta"],
  );
  assert.equal(settingLabel("tls_ca_bundle"), "TLS CA bundle");
  assert.equal(settingLabel("organization"), "Organization");
});
