// Unit tests of the import dialog's pure parts: node --test ui/tests/
import { test } from "node:test";
import assert from "node:assert/strict";
import { importTargets, importsAny, planLine } from "../lib/importing.js";

const MODELON_KEY = { service: "modelon", name: "api-key", source: "/home/u/.impact/api.key", problem: null };
const SIMAI_TOKENS = [
  { service: "simai", name: "default", source: "/home/u/.config/ansys_simai.conf", problem: null },
  { service: "simai", name: "work", source: "/home/u/.config/ansys_simai.conf", problem: null },
];
const policy = (s) => (s === "simai" ? "tokens" : "single");

test("importTargets joins the one profile of this computer of a service, else leaves the name to the import", () => {
  const one = [{ name: "impact", service: "modelon", store: null }];
  assert.deepEqual(importTargets([MODELON_KEY], one, policy), [{ service: "modelon", value: "impact", placeholder: "modelon" }]);
  // Two of them: the person chooses; a team profile is never the default.
  const two = [...one, { name: "impact2", service: "modelon", store: null }];
  assert.equal(importTargets([MODELON_KEY], two, policy)[0].value, "");
  const team = [{ name: "shared", service: "modelon", store: "acme" }];
  assert.equal(importTargets([MODELON_KEY], team, policy)[0].value, "");
});

test("importTargets names a sign-in service's default profiles after the file's tables, and skips keys with problems", () => {
  const t = importTargets([...SIMAI_TOKENS, { ...MODELON_KEY, problem: "bad" }], [], policy);
  assert.deepEqual(t, [{ service: "simai", value: "", placeholder: "default, work" }]);
});

test("planLine says new or existing profile, the server, and why a key is not imported", () => {
  const base = { profile: "impact", key: "api-key", source: "/home/u/.impact/api.key", stored_in: "this computer's keyring", note: null, planned: true };
  assert.equal(
    planLine({ ...base, action: "imported", new_profile: false, server: "https://impact.acme.example/" }),
    "impact/api-key from /home/u/.impact/api.key → existing profile \"impact\", this computer's keyring",
  );
  assert.equal(
    planLine({ ...base, action: "imported", new_profile: true, server: "https://impact.acme.example/" }),
    "impact/api-key from /home/u/.impact/api.key → new profile \"impact\" for https://impact.acme.example/, this computer's keyring",
  );
  assert.match(planLine({ ...base, action: "skipped", stored_in: null, note: "does not say which server" }), /not imported — does not say which server$/);
  assert.match(planLine({ ...base, action: "already stored" }), /already stored \(this computer's keyring\)$/);
});

test("importsAny is true only when a record would import", () => {
  assert.equal(importsAny([{ action: "skipped" }, { action: "already stored" }]), false);
  assert.equal(importsAny([{ action: "skipped" }, { action: "imported" }]), true);
  assert.equal(importsAny(undefined), false);
});
