// Unit tests of the form validation: node --test ui/tests/
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  diffSettings,
  validateCaBundle,
  validateName,
  validateProfileForm,
  validateProxy,
  validateSecretInput,
  validateTimeout,
  validateUrl,
} from "../lib/validate.js";

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

test("profile form: SimAI needs an organization, OIDC an issuer", () => {
  assert.deepEqual(validateProfileForm("dlubal", { name: "rfem" }), {});
  const simai = validateProfileForm("simai", { name: "work", url: "https://x/v2/" });
  assert.deepEqual(Object.keys(simai), ["organization"]);
  const oidc = validateProfileForm("oidc", { name: "o" });
  assert.match(oidc.issuer, /required/);
  const bad = validateProfileForm("modelon", { name: "a b", https_proxy: "x", tls_ca_bundle: "rel", timeout: "0" });
  assert.deepEqual(Object.keys(bad).sort(), ["https_proxy", "name", "timeout", "tls_ca_bundle"]);
  assert.deepEqual(validateProfileForm("modelon", { url: "https://x/" }, { isNew: false }), {});
});

test("editing sends only changes: set new values, unset emptied ones", () => {
  assert.deepEqual(diffSettings({ url: "https://a/", workspace: "w" }, { url: "https://b/", workspace: "", project: "" }), {
    set: { url: "https://b/" },
    unset: ["workspace"],
  });
  assert.deepEqual(diffSettings({ url: "u" }, { url: " u " }), { set: {}, unset: [] });
});

test("pasted keys: not empty; Dlubal refuses % and non-ASCII", () => {
  assert.match(validateSecretInput("dlubal", "  "), /Paste/);
  assert.match(validateSecretInput("dlubal", "ak-50%"), /%/);
  assert.match(validateSecretInput("dlubal", "ak-é"), /ASCII/);
  assert.equal(validateSecretInput("dlubal", "ak-123"), null);
  assert.equal(validateSecretInput("modelon", "ké%"), null);
});
