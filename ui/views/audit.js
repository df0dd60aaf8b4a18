// The Audit dialog: the plaintext credentials found on this machine, with Copy path and
// Import and remove.

import { call } from "../lib/api.js";
import { auditImportText, auditSummary, findingAdvice, findingLocation, hasImportable, normalizeFinding } from "../lib/audit.js";
import { CMD } from "../lib/commands.js";
import { openDialog } from "../lib/dialogs.js";
import { $, h, replace } from "../lib/dom.js";
import { errorText, serviceName } from "../lib/model.js";
import { actions } from "./actions.js";
import { notify, notifyError } from "./messages.js";
import { importKeys } from "./settings.js";
import { copyText } from "./shared.js";

/** One finding as a list row: where, what, whose, and what to do (with Copy path). */
function auditRow(raw, i) {
  const f = normalizeFinding(raw);
  const advice = findingAdvice(f);
  const loc = findingLocation(f);
  const locEl = h("span", { class: "mono audit-path", "data-testid": "audit-path" }, loc);
  const copy = h("button", { type: "button", class: "btn btn-small", "data-testid": "audit-copy-path", "aria-label": `Copy the path ${loc}` }, "Copy path");
  copy.addEventListener("click", () => copyText(loc, locEl, copy));
  const adviceId = `audit-advice-${i}`;
  return h(
    "li",
    { class: `audit-finding audit-${f.advice}`, "data-testid": "audit-finding", "data-advice": f.advice, "data-kind": advice.kind, "aria-describedby": adviceId },
    h("div", { class: "audit-where" }, locEl, copy),
    h(
      "div",
      { class: "audit-what" },
      h("span", { "data-testid": "audit-what" }, f.what),
      f.service ? h("span", { class: "service-tag", "data-testid": "audit-service" }, serviceName(f.service)) : null,
    ),
    h(
      "p",
      { id: adviceId, class: "small audit-advice", "data-testid": "audit-advice" },
      h("span", { class: `badge ${f.advice === "import" ? "badge-unverified" : "badge-expired"}` }, advice.label),
      " ",
      advice.text,
    ),
  );
}

/** The Audit dialog: the plaintext credentials on this machine, Import and remove, Copy path. */
export async function openAudit() {
  const btn = $("#btn-audit");
  btn.disabled = true;
  let findings;
  try {
    findings = await call(CMD.audit);
  } catch (err) {
    notifyError(err, "Could not audit plaintext credentials");
    return;
  } finally {
    btn.disabled = false;
  }
  const summary = h("p", { "data-testid": "audit-summary", role: "status" });
  const list = h("div", { class: "audit-body" });
  const result = h("p", { class: "small", "data-testid": "audit-result", role: "status", hidden: true });
  const busy = h("span", { class: "busy", "data-testid": "audit-busy", hidden: true, role: "status" }, h("span", { class: "spinner", "aria-hidden": "true" }), " Working…");
  const importBtn = h("button", { type: "button", class: "btn btn-primary", "data-testid": "audit-import" }, "Import and remove plaintext");
  const close = h("button", { type: "button", class: "btn", "data-testid": "audit-close" }, "Close");
  const render = () => {
    summary.textContent = auditSummary(findings);
    if (!findings.length) {
      replace(list, h("p", { class: "audit-clean", "data-testid": "audit-clean" }, "No plaintext credentials found."));
    } else {
      replace(list, h("ul", { class: "audit-list", role: "list", "data-testid": "audit-findings" }, findings.map((f, i) => auditRow(f, i))));
    }
    importBtn.hidden = !hasImportable(findings);
  };
  const ctx = openDialog({
    testid: "audit-dialog",
    title: "Plaintext credentials",
    wide: true,
    body: [
      h("p", { class: "intro" }, "Keys and tokens that vendors' tools (or earlier exports) left in plaintext files and variables. Import moves a key into your keyring and deletes its plaintext copy; SimCred does not edit shell start-up files, so remove those lines yourself."),
      summary,
      list,
      result,
      h("div", { class: "dialog-actions" }, busy, h("span", { class: "spacer" }), close, importBtn),
    ],
  });
  render();
  close.addEventListener("click", () => ctx.close());
  importBtn.addEventListener("click", async () => {
    importBtn.disabled = true;
    busy.hidden = false;
    ctx.showError(null);
    try {
      // The import dialog: what goes where, the server a key's file does not say, confirmed.
      const r = await importKeys({ removePlaintext: true });
      if (r) {
        const text = auditImportText(r);
        result.textContent = text;
        result.hidden = false;
        notify(text, r.imported.some((x) => x.action === "skipped") ? "info" : "success");
      }
    } catch (err) {
      ctx.showError(errorText(err));
      notifyError(err, "Could not import and remove plaintext");
    }
    try {
      findings = await call(CMD.audit);
      render();
    } catch (err) {
      ctx.showError(errorText(err));
    } finally {
      importBtn.disabled = false;
      busy.hidden = true;
    }
    await actions.refresh({ quiet: true });
    (importBtn.hidden ? close : importBtn).focus();
  });
  (importBtn.hidden ? close : importBtn).focus();
}
