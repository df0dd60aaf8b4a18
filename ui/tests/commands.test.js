// The UI names every backend command through CMD (lib/commands.js): no call()/early() is given a
// string, every CMD.name used exists, and every command in CMD is one the app registers
// (generate_handler! in src-tauri/src/lib.rs) and grants (src-tauri/capabilities/default.json),
// so renaming a command on either side fails here instead of a button at run time.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { CMD } from "../lib/commands.js";

const UI = join(dirname(fileURLToPath(import.meta.url)), "..");
const APP = join(UI, "..", "src-tauri");

/** Every .js file of ui/ but the tests and installed packages, as [path from ui/, text]. */
function sources(dir = UI) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === "tests" || e.name === "node_modules" ? [] : sources(path);
    return e.name.endsWith(".js") ? [[relative(UI, path), readFileSync(path, "utf8")]] : [];
  });
}

/** "file:line: text" for each match of `re` (global) in the sources. */
function hits(re) {
  return sources().flatMap(([file, text]) =>
    text.split("\n").flatMap((line, i) => (line.match(re) ?? []).map((m) => `${file}:${i + 1}: ${m}`)),
  );
}

/** The commands the app registers: the last path segment of each generate_handler! entry. */
function registered() {
  const lib = readFileSync(join(APP, "src", "lib.rs"), "utf8");
  const list = lib.match(/generate_handler!\[([^\]]*)\]/);
  assert.ok(list, "no generate_handler![…] in src-tauri/src/lib.rs");
  return list[1]
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((path) => path.split("::").pop());
}

/** The commands the main window may call: the capability's allow-NAME grants. */
function granted() {
  const cap = JSON.parse(readFileSync(join(APP, "capabilities", "default.json"), "utf8"));
  return cap.permissions
    .filter((p) => typeof p === "string" && p.startsWith("allow-"))
    .map((p) => p.slice("allow-".length).replaceAll("-", "_"));
}

test("no call() or early() is given a string: commands are named through CMD", () => {
  assert.deepEqual(hits(/(?<![\w$.])(?:call|early)\(\s*["'`][^"'`]*["'`]?/g), []);
});

test("every CMD.name the UI uses is in CMD", () => {
  const unknown = hits(/(?<![\w$.])CMD\.[A-Za-z_$][\w$]*/g).filter((h) => !(h.split("CMD.").pop() in CMD));
  assert.deepEqual(unknown, []);
});

test("CMD is frozen and each command is named once", () => {
  assert.ok(Object.isFrozen(CMD));
  const values = Object.values(CMD);
  assert.equal(new Set(values).size, values.length);
  assert.ok(values.length > 0);
});

test("every command in CMD is registered by the app and granted to its window", () => {
  const reg = new Set(registered());
  const grant = new Set(granted());
  assert.ok(reg.has("app_info") && reg.size > 10, `read ${reg.size} commands from generate_handler!`);
  assert.deepEqual(Object.values(CMD).filter((c) => !reg.has(c)), [], "not in generate_handler! (src-tauri/src/lib.rs)");
  assert.deepEqual(Object.values(CMD).filter((c) => !grant.has(c)), [], "not granted in src-tauri/capabilities/default.json");
});
