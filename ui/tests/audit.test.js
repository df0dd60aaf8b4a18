// Unit tests of the Audit dialog's pure functions: node --test ui/tests/
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  auditImportText,
  auditSummary,
  findingAdvice,
  findingLocation,
  hasImportable,
  isVariable,
  normalizeFinding,
} from "../lib/audit.js";

// The shapes `simcred audit --json` prints.
const KEY_FILE = { service: "modelon", path: "/home/u/.impact/api.key", line: null, what: 'the key "api-key"', advice: "import" };
const SHELL_LINE = { service: "modelon", path: "/home/u/.bashrc", line: 12, what: "MODELON_IMPACT_CLIENT_API_KEY is set to a secret", advice: "remove" };
const EXPORTED = { service: "dlubal", path: "/home/u/rfem/config.ini", line: null, what: 'the exported key "p1" of profile rfem', advice: "remove" };
const VARIABLE = { service: "modelon", path: "$MODELON_IMPACT_CLIENT_API_KEY", line: null, what: "$MODELON_IMPACT_CLIENT_API_KEY is set in this environment", advice: "remove" };

test("normalizeFinding fills missing fields and never turns unknown advice into import", () => {
  assert.deepEqual(normalizeFinding({}), { service: null, path: "", line: null, what: "", advice: "remove" });
  assert.equal(normalizeFinding({ advice: "delete" }).advice, "remove");
  assert.equal(normalizeFinding({ advice: "import" }).advice, "import");
  assert.equal(normalizeFinding({ line: 0 }).line, null);
  assert.equal(normalizeFinding({ line: "3" }).line, null);
  assert.equal(normalizeFinding(SHELL_LINE).line, 12);
  assert.equal(normalizeFinding(null).path, "");
});

test("findingLocation is path, or path:line for a line", () => {
  assert.equal(findingLocation(KEY_FILE), "/home/u/.impact/api.key");
  assert.equal(findingLocation(SHELL_LINE), "/home/u/.bashrc:12");
  assert.equal(findingLocation(VARIABLE), "$MODELON_IMPACT_CLIENT_API_KEY");
  assert.equal(findingLocation({ path: "/x", line: 0 }), "/x");
});

test("findingAdvice says what to do with each kind of finding", () => {
  const imp = findingAdvice(KEY_FILE);
  assert.equal(imp.kind, "import");
  assert.match(imp.text, /keyring/);
  const line = findingAdvice(SHELL_LINE);
  assert.equal(line.kind, "remove-line");
  assert.match(line.text, /^Remove this line \(line 12\)/);
  assert.match(line.label, /by hand/);
  const file = findingAdvice(EXPORTED);
  assert.equal(file.kind, "remove-file");
  assert.match(file.text, /^Delete this file/);
  const v = findingAdvice(VARIABLE);
  assert.equal(v.kind, "unset-variable");
  assert.match(v.text, /^Unset this variable/);
  assert.ok(isVariable(VARIABLE));
  assert.ok(!isVariable(KEY_FILE));
});

test("a place SimCred could not read is to be looked at, never imported or deleted", () => {
  const FIFO = { service: "dlubal", path: "/home/u/.config/Dlubal/api/config.ini", line: null, what: "SimCred did not read it: … is a FIFO (named pipe)", advice: "check" };
  assert.equal(normalizeFinding(FIFO).advice, "check");
  const a = findingAdvice(FIFO);
  assert.equal(a.kind, "check");
  assert.doesNotMatch(a.text, /Delete|keyring/);
  assert.equal(hasImportable([FIFO]), false);
  assert.equal(auditSummary([FIFO]), "No plaintext credentials found; 1 place(s) SimCred could not read.");
  assert.equal(auditSummary([FIFO, KEY_FILE]), "Found 1 plaintext credential(s): 1 to import. 1 place(s) SimCred could not read.");
});

test("hasImportable and auditSummary count the findings by advice", () => {
  assert.equal(hasImportable([]), false);
  assert.equal(hasImportable(undefined), false);
  assert.equal(hasImportable([SHELL_LINE, EXPORTED]), false);
  assert.equal(hasImportable([SHELL_LINE, KEY_FILE]), true);
  assert.equal(auditSummary([]), "No plaintext credentials found.");
  assert.equal(auditSummary([KEY_FILE, SHELL_LINE, EXPORTED]), "Found 3 plaintext credential(s): 1 to import, 2 to remove by hand.");
  assert.equal(auditSummary([SHELL_LINE]), "Found 1 plaintext credential(s): 1 to remove by hand.");
  assert.equal(auditSummary([KEY_FILE]), "Found 1 plaintext credential(s): 1 to import.");
});

test("auditImportText names what the import did", () => {
  assert.equal(
    auditImportText({ imported: [{ action: "imported" }], removed: ["Deleted /home/u/.impact/api.key"], remaining: [] }),
    "Imported 1 key(s) and removed the plaintext.",
  );
  assert.equal(auditImportText({ imported: [{ action: "imported" }, { action: "imported" }], removed: [], remaining: [] }), "Imported 2 key(s).");
  assert.equal(
    auditImportText({ imported: [{ action: "already stored" }], removed: ["x"], remaining: [] }),
    "1 key(s) were already in the keyring; their plaintext was removed.",
  );
  assert.equal(
    auditImportText({ imported: [{ action: "imported" }, { action: "skipped" }], removed: ["x"], remaining: ["$VAR"] }),
    "Imported 1 key(s) and removed the plaintext. 1 key(s) were not imported. Plaintext copies remain in $VAR.",
  );
  assert.equal(
    auditImportText({ imported: [{ action: "imported", stored_in: "this computer's keyring" }], removed: [], remaining: [] }),
    "Imported 1 key(s) → this computer's keyring.",
  );
  assert.equal(auditImportText({ imported: [], removed: [], remaining: [] }), "Nothing was imported.");
  assert.equal(auditImportText(null), "Nothing was imported.");
});
