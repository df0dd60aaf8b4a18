// The UI renders every service from the registry's descriptors (`app_info().services`): its own
// code names no vendor, product, vendor file or vendor setting. Fails listing each hit.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const UI = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Words that belong in a provider's descriptor (crates/core/src/providers/), not in ui/. */
export const VENDOR_WORDS = [
  "simai",
  "modelon",
  "dlubal",
  "oidc",
  "openid",
  "ansys",
  "impact",
  "jupyter",
  "jupyterhub",
  "keycloak",
  "rfem",
  "rstab",
  "geomai",
  "config.ini",
  "api.key",
  "~/.impact",
  "admin/server-management",
];

/** The UI's own source files: ui/*.{js,html} and ui/lib/*.js (not its tests). */
function sources() {
  const files = [];
  for (const dir of [UI, join(UI, "lib")]) {
    for (const f of readdirSync(dir)) {
      if (/\.(js|mjs|html)$/.test(f)) files.push(join(dir, f));
    }
  }
  return files;
}

test("ui/ code outside its tests names no vendor", () => {
  const files = sources();
  assert.ok(files.some((f) => f.endsWith("main.js")), "main.js was scanned");
  const hits = [];
  for (const file of files) {
    readFileSync(file, "utf8")
      .split("\n")
      .forEach((line, i) => {
        const lower = line.toLowerCase();
        for (const w of VENDOR_WORDS) {
          if (lower.includes(w)) hits.push(`${relative(UI, file)}:${i + 1}: "${w}" in ${line.trim().slice(0, 100)}`);
        }
      });
  }
  assert.deepEqual(hits, [], `vendor names in ui/ (take them from the descriptors):\n${hits.join("\n")}`);
});
