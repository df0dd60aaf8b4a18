// Pure functions behind the Audit dialog: where a finding is, what to do about it, and the
// sentence that reports an "Import and remove plaintext". No DOM and no Tauri here, so
// `node --test ui/tests/` can check them.
//
// A finding is what the backend's `audit` command returns (the same as `simcred audit --json`):
// {service: ?string, path: string, line: ?number, what: string, advice: "import"|"remove"|"check",
// todo?: string}. "check" is a vendor's path SimCred could not read (a FIFO, a file that does not
// parse). Paths and `what` come from the backend; nothing here names a service.

/** @typedef {{service: ?string, path: string, line: ?number, what: string, advice: "import"|"remove"|"check"}} Finding */

const ADVICE = ["import", "remove", "check"];

/** A finding with every field present (unknown advice is treated as "remove": never import blindly). */
export function normalizeFinding(f) {
  const x = f ?? {};
  const line = Number.isInteger(x.line) && x.line > 0 ? x.line : null;
  return {
    service: x.service ? String(x.service) : null,
    path: String(x.path ?? ""),
    line,
    what: String(x.what ?? ""),
    advice: ADVICE.includes(x.advice) ? x.advice : "remove",
  };
}

/** Whether a finding is a variable of this environment (`$NAME`) rather than a file. */
export function isVariable(f) {
  return String(f?.path ?? "").startsWith("$");
}

/** Where a finding is, as people and editors write it: `path`, or `path:line`. */
export function findingLocation(f) {
  const path = String(f?.path ?? "");
  return Number.isInteger(f?.line) && f.line > 0 ? `${path}:${f.line}` : path;
}

/**
 * What to do about a finding, in words.
 * @returns {{kind: "import"|"remove-line"|"remove-file"|"unset-variable", label: string, text: string}}
 */
export function findingAdvice(f) {
  const x = normalizeFinding(f);
  if (x.advice === "import") {
    return {
      kind: "import",
      label: "Import",
      text: "Import it into the keyring; the plaintext copy is then removed.",
    };
  }
  if (x.advice === "check") {
    return {
      kind: "check",
      label: "Look at it",
      text: "SimCred could not read this, so it cannot tell what it holds: see what it is (the vendor's client reads a credential from this path).",
    };
  }
  if (isVariable(x)) {
    return {
      kind: "unset-variable",
      label: "Remove by hand",
      text: "Unset this variable, and remove it from where it is set (SimCred keeps its own copy).",
    };
  }
  if (x.line) {
    return {
      kind: "remove-line",
      label: "Remove by hand",
      text: `Remove this line (line ${x.line}) from the file by hand (SimCred keeps its own copy).`,
    };
  }
  return {
    kind: "remove-file",
    label: "Remove by hand",
    text: "Delete this file by hand (SimCred keeps its own copy).",
  };
}

/** Whether any finding can be imported (so "Import and remove plaintext" has something to do). */
export function hasImportable(findings) {
  return (findings ?? []).some((f) => normalizeFinding(f).advice === "import");
}

/** The dialog's one-line summary of a list of findings. */
export function auditSummary(findings) {
  const all = (findings ?? []).map(normalizeFinding);
  if (!all.length) return "No plaintext credentials found.";
  const unread = all.filter((f) => f.advice === "check").length;
  const list = all.filter((f) => f.advice !== "check");
  const imp = list.filter((f) => f.advice === "import").length;
  const rem = list.length - imp;
  const parts = [];
  if (imp) parts.push(`${imp} to import`);
  if (rem) parts.push(`${rem} to remove by hand`);
  const could = unread ? `${unread} place(s) SimCred could not read.` : "";
  if (!list.length) return `No plaintext credentials found; ${could}`;
  return `Found ${list.length} plaintext credential(s): ${parts.join(", ")}.${could ? ` ${could}` : ""}`;
}

/**
 * The message-bar sentence for what `import` with `remove_plaintext: true` did.
 * report: {imported: [{action}], removed: [string], remaining: [string]}
 */
export function auditImportText(report) {
  const imported = report?.imported ?? [];
  const n = imported.filter((x) => x.action === "imported").length;
  const already = imported.filter((x) => x.action === "already stored").length;
  const skipped = imported.filter((x) => x.action === "skipped").length;
  const removed = (report?.removed ?? []).length > 0;
  // Where they went: this computer's keyring, or a team store named explicitly.
  const places = [...new Set(imported.filter((x) => x.action === "imported" && x.stored_in).map((x) => x.stored_in))];
  const to = places.length ? ` → ${places.join(", ")}` : "";
  const parts = [];
  if (n && removed) parts.push(`Imported ${n} key(s)${to} and removed the plaintext.`);
  else if (n) parts.push(`Imported ${n} key(s)${to}.`);
  if (already) {
    parts.push(
      removed
        ? `${already} key(s) were already in the keyring; their plaintext was removed.`
        : `${already} key(s) were already in the keyring.`,
    );
  }
  if (skipped) parts.push(`${skipped} key(s) were not imported.`);
  if (!parts.length) parts.push(removed ? "Removed the plaintext." : "Nothing was imported.");
  const remaining = report?.remaining ?? [];
  if (remaining.length) parts.push(`Plaintext copies remain in ${remaining.join(", ")}.`);
  return parts.join(" ");
}
