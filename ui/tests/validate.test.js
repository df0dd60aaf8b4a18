// Unit tests of the form validation: node --test ui/tests/
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  diffSettings,
  lowerLabel,
  validateCaBundle,
  validateName,
  validateProfileForm,
  validateProxy,
  validateSecretInput,
  validateSetting,
  validateTimeout,
  validateUrl,
} from "../lib/validate.js";
import { normalizeService } from "../lib/model.js";
import { ACME, DLUBAL, MODELON, OIDC, SIMAI } from "./fixtures.js";

const [simai, modelon, dlubal, oidc, acme] = [SIMAI, MODELON, DLUBAL, OIDC, ACME].map(normalizeService);

test("names follow core's rules", () => {
  assert.equal(validateName("key", "project_1"), null);
  assert.equal(validateName("key", "a@b.c-d"), null);
  assert.match(validateName("key", ""), /empty/);
  assert.match(validateName("key", "a b"), /contains a space/);
  assert.match(validateName("key", "a/b"), /"\/"/);
  assert.match(validateName("profile", "-x"), /must not start/);
  assert.match(validateName("profile", "x".repeat(65)), /longer than 64/);
});

test("URLs: https anywhere, http only to this computer", () => {
  assert.equal(validateUrl("https://api.simai.ansys.com/v2/"), null);
  assert.equal(validateUrl("http://127.0.0.1:8080/v2/"), null);
  assert.equal(validateUrl("http://localhost/"), null);
  assert.match(validateUrl("http://example.com/"), /https/);
  assert.match(validateUrl("ftp://example.com/"), /not allowed/);
  assert.match(validateUrl("not a url"), /not a URL/);
  assert.equal(validateUrl(""), null);
  assert.match(validateUrl("", { required: true }), /required/);
  assert.equal(validateUrl("", { required: true, label: "Issuer URL" }), "The issuer URL is required.");
  assert.equal(lowerLabel("API URL"), "API URL");
  assert.equal(lowerLabel("Organization"), "organization");
});

test("proxy, CA bundle and timeout", () => {
  assert.equal(validateProxy("http://proxy:3128"), null);
  assert.equal(validateProxy("socks5h://proxy:1080"), null);
  assert.match(validateProxy("proxy:3128"), /proxy URL/);
  assert.equal(validateCaBundle("system"), null);
  assert.equal(validateCaBundle("unsecure-none"), null);
  assert.equal(validateCaBundle("/etc/ssl/certs/ca.pem"), null);
  assert.match(validateCaBundle("ca.pem"), /full path/);
  assert.equal(validateTimeout("15"), null);
  assert.match(validateTimeout("0"), /seconds/);
  assert.match(validateTimeout("1.5"), /seconds/);
});

test("profile form: checked by the descriptor's kinds and required settings", () => {
  assert.deepEqual(validateProfileForm(dlubal, { name: "rfem" }), {});
  const s = validateProfileForm(simai, { name: "work", url: "https://x/v2/" });
  assert.deepEqual(Object.keys(s), ["organization"]);
  assert.match(s.organization, /organization is required/);
  const o = validateProfileForm(oidc, { name: "o" });
  assert.equal(o.issuer, "The issuer URL is required.");
  const bad = validateProfileForm(modelon, { name: "a b", https_proxy: "x", tls_ca_bundle: "rel", timeout: "0" });
  assert.deepEqual(Object.keys(bad).sort(), ["https_proxy", "name", "timeout", "tls_ca_bundle"]);
  assert.deepEqual(validateProfileForm(modelon, { url: "https://x/" }, { isNew: false }), {});
  assert.match(validateProfileForm(modelon, { name: "m", url: "ftp://x/" }).url, /not allowed/);
  assert.equal(validateProfileForm(null, { name: "x" }).service, "Choose a service.");
  // A service the UI has never heard of: its required text setting and its bool.
  assert.deepEqual(Object.keys(validateProfileForm(acme, { name: "a", verbose: true })), ["region"]);
  assert.deepEqual(validateProfileForm(acme, { name: "a", region: "eu-1", verbose: false }), {});
  assert.match(validateSetting({ name: "x", label: "X", kind: "text" }, "a\u0007b"), /control character/);
});

test("editing sends only changes: set new values, unset emptied ones", () => {
  assert.deepEqual(diffSettings({ url: "https://a/", workspace: "w" }, { url: "https://b/", workspace: "", project: "" }), {
    set: { url: "https://b/" },
    unset: ["workspace"],
  });
  assert.deepEqual(diffSettings({ url: "u" }, { url: " u " }), { set: {}, unset: [] });
});

test("pasted keys: not empty, no control characters; vendor rules are core's", () => {
  assert.match(validateSecretInput(dlubal, "  "), /Paste/);
  assert.match(validateSecretInput(modelon, "ab\u0000cd"), /control character/);
  assert.match(validateSecretInput(modelon, "ab\ncd"), /control character/);
  assert.equal(validateSecretInput(dlubal, "ak-123"), null);
  // Shown as the descriptor's key_rules under the input; core refuses them on submit.
  assert.equal(validateSecretInput(dlubal, "ak-50%"), null);
  assert.equal(validateSecretInput(null, "ké%"), null);
});
