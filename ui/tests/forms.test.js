// The dialogs' contents built from descriptors: node --test ui/tests/
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ADVANCED_GROUP,
  addKeyFields,
  exportOptions,
  formSettings,
  importTexts,
  keyPageUrl,
  lowerCaseNote,
  profileNameField,
  replaceKeyFields,
  sandboxText,
  secretLabel,
  settingFields,
  storedSettings,
  welcomeServices,
} from "../lib/forms.js";
import { normalizeService } from "../lib/model.js";
import { diffSettings, validateProfileForm } from "../lib/validate.js";
import { ACME, DLUBAL, MODELON, OIDC, SIMAI } from "./fixtures.js";

const [simai, modelon, dlubal, oidc, acme] = [SIMAI, MODELON, DLUBAL, OIDC, ACME].map(normalizeService);
const WARN = "shown only once";

test("the settings form follows the descriptor: order, labels, placeholders, groups", () => {
  const f = settingFields(simai);
  assert.deepEqual(f.map((x) => x.name), ["organization", "url", "workspace", "project", "skip_version_check", "https_proxy", "tls_ca_bundle", "timeout", "description"]);
  const by = Object.fromEntries(f.map((x) => [x.name, x]));
  assert.equal(by.organization.label, "Organization");
  assert.equal(by.organization.required, true);
  assert.match(by.organization.validate(""), /organization is required/);
  assert.equal(by.url.label, "API URL");
  assert.equal(by.url.placeholder, "https://api.simai.ansys.com/v2/"); // the default as placeholder
  assert.match(by.url.validate("ftp://example.com"), /not allowed/);
  assert.match(by.https_proxy.validate("proxy:3128"), /not a proxy URL/);
  assert.equal(by.https_proxy.group, ADVANCED_GROUP);
  assert.equal(by.organization.group, undefined);
  assert.equal(by.skip_version_check.type, "checkbox");
  assert.equal(by.skip_version_check.value, false);
  assert.equal(by.timeout.inputmode, "numeric");
  assert.match(by.tls_ca_bundle.help, /PEM/);
  assert.equal(by.description.wide, true);
  // Filled from a profile's settings when editing.
  const e = settingFields(simai, { organization: "acme", skip_version_check: "true" });
  assert.equal(e.find((x) => x.name === "organization").value, "acme");
  assert.equal(e.find((x) => x.name === "skip_version_check").value, true);
  assert.equal(settingFields(oidc).find((x) => x.name === "issuer").validate(""), "The issuer URL is required.");
});

test("bool settings are sent as text, unchanged boxes are no change", () => {
  assert.deepEqual(formSettings(acme, { name: "a", region: "eu-1", verbose: true, other: "x" }), { region: "eu-1", verbose: "true" });
  assert.deepEqual(formSettings(acme, { verbose: false }), { verbose: "" });
  const before = storedSettings(acme, { region: "eu-1", verbose: "false" });
  assert.deepEqual(diffSettings(before, formSettings(acme, { region: "eu-1", verbose: false })), { set: {}, unset: [] });
  assert.deepEqual(diffSettings(before, formSettings(acme, { region: "eu-1", verbose: true })), { set: { verbose: "true" }, unset: [] });
});

test("profile names: the service's example as placeholder, duplicates refused", () => {
  const f = profileNameField(dlubal, ["rfem"]);
  assert.equal(f.placeholder, "rfem");
  assert.match(f.validate("rfem"), /already exists/);
  assert.match(f.validate("bad name"), /contains a space/);
  assert.equal(f.validate("rfem2"), null);
  assert.equal(profileNameField(modelon).placeholder, "impact");
});

test("key dialogs follow the key policy and show the service's rules", () => {
  const named = addKeyFields(dlubal, [{ name: "project_1" }], WARN);
  const by = Object.fromEntries(named.map((x) => [x.name, x]));
  assert.equal(by.name.hidden, false);
  assert.equal(by.name.placeholder, "project_1");
  assert.match(by.name.validate("Project_1"), /already has a key/);
  assert.equal(by.secret.label, "Dlubal API key");
  assert.equal(by.secret.help, "Plain ASCII; no %.");
  assert.equal(by.secret.warning, WARN);
  assert.equal(by.make_default.value, false);
  const single = Object.fromEntries(addKeyFields(modelon, [], WARN).map((x) => [x.name, x]));
  assert.equal(single.name.hidden, true);
  assert.equal(single.name.validate, undefined);
  assert.equal(single.make_default.hidden, true);
  assert.equal(single.secret.label, "Modelon Impact API key");
  assert.equal(secretLabel(acme), "Acme Solver Cloud API key");
  // Check first only where keys can be checked.
  assert.equal(replaceKeyFields(modelon, WARN)[1].value, true);
  assert.equal(replaceKeyFields(dlubal, WARN)[1].value, false);
  assert.equal(replaceKeyFields(dlubal, WARN)[1].hidden, true);
  assert.equal(replaceKeyFields(dlubal, WARN)[0].help, "Plain ASCII; no %.");
});

test("the key page is the descriptor's path under the profile's URL", () => {
  assert.equal(keyPageUrl(modelon, { url: "http://127.0.0.1:9/modelon/" }), "http://127.0.0.1:9/modelon/admin/server-management");
  assert.equal(keyPageUrl(modelon, { url: "https://impact.example.com" }), "https://impact.example.com/admin/server-management");
  assert.equal(keyPageUrl(modelon, {}), "https://impact.modelon.cloud/admin/server-management");
  assert.equal(keyPageUrl(dlubal, { url: "https://x/" }), null);
});

test("export and import texts come from the vendor files' descriptors", () => {
  assert.deepEqual(exportOptions(modelon), { label: "~/.impact/api.key", what: "the key", force: true, secretLabel: null });
  assert.deepEqual(exportOptions(simai), { label: "the SimAI SDK's config file", what: "the profile's settings", force: false, secretLabel: "Also write the offline token" });
  assert.equal(exportOptions(dlubal).what, "the keys");
  assert.equal(exportOptions(oidc), null);
  const t = importTexts([simai, modelon, dlubal, oidc]);
  assert.equal(t.none, "Found no keys in the SimAI SDK's config file, ~/.impact/api.key or Dlubal's config.ini. Add keys by hand with New profile and Add key.");
  assert.equal(t.placeholder, "simai / modelon / dlubal");
  assert.match(importTexts([oidc]).none, /No service has files/);
});

test("welcome and sandbox texts", () => {
  assert.equal(welcomeServices([simai, modelon, dlubal]), "Ansys SimAI, Modelon Impact and Dlubal API");
  const info = { url: "http://127.0.0.1:5", profiles: ["demo-simai", "demo-modelon"], simai_user: "demo@example.com", simai_password: "pw" };
  assert.equal(sandboxText(info), "The sandbox runs at http://127.0.0.1:5. Try demo-simai and demo-modelon: the demo user is demo@example.com, password pw.");
  assert.equal(sandboxText({ url: "u", profiles: ["a"], user: "x" }), "The sandbox runs at u. Try a: the demo user is x.");
  assert.equal(sandboxText({ url: "u", profiles: [] }), "The sandbox runs at u.");
});

test("a made-up service added in Rust only gets its form, key policy and actions", () => {
  const fields = settingFields(acme);
  assert.deepEqual(fields.map((x) => x.name), ["region", "url", "verbose", "https_proxy", "tls_ca_bundle", "timeout", "description"]);
  assert.equal(fields[0].label, "Region");
  assert.equal(fields[0].placeholder, "eu-1");
  assert.equal(fields[2].type, "checkbox");
  assert.equal(fields[2].help, "Logs every request.");
  assert.equal(profileNameField(acme).placeholder, "acme-prod");
  assert.deepEqual(Object.keys(validateProfileForm(acme, { name: "acme-prod" })), ["region"]);
  const keyFields = addKeyFields(acme, [], WARN);
  assert.equal(keyFields[0].hidden, true); // single key: no name to type
  assert.equal(keyFields[1].help, "Starts with acme_.");
  assert.equal(keyPageUrl(acme, {}), "https://portal.acme.test/account/tokens");
  assert.equal(exportOptions(acme).label, "~/.acme/credentials");
  assert.match(importTexts([acme]).none, /~\/\.acme\/credentials/);
});

test("a key name with capitals is announced as lower-cased where the service lower-cases names", () => {
  assert.match(lowerCaseNote(dlubal, "Project_A"), /saved as “project_a”/);
  assert.equal(lowerCaseNote(dlubal, "project_a"), null);
  assert.equal(lowerCaseNote(modelon, "Project_A"), null);
  assert.equal(lowerCaseNote(acme, "Project_A"), null);
  assert.equal(dlubal.key_names_lowercase, true);
  assert.equal(normalizeService({ id: "x" }).key_names_lowercase, false);
  const nameField = addKeyFields(dlubal, [], WARN).find((f) => f.name === "name");
  assert.match(nameField.note("Office"), /“office”/);
});
