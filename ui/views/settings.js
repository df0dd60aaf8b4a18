// The toolbar's Import, Settings and Sandbox: importing keys found in plaintext files, the
// clipboard setting, and starting the loopback sandbox with its demo profiles.

import { call } from "../lib/api.js";
import { CMD } from "../lib/commands.js";
import { formDialog } from "../lib/dialogs.js";
import { $, h } from "../lib/dom.js";
import { importTexts, sandboxText } from "../lib/forms.js";
import { importServices, maskSecret, serviceName } from "../lib/model.js";
import { validateName } from "../lib/validate.js";
import { clearAfter, rememberClearAfter, setSelected, state } from "../state.js";
import { actions } from "./actions.js";
import { notify, notifyError } from "./messages.js";
import { openInfo } from "./shared.js";

/**
 * Import: shows what was found and where it will go, and does nothing until confirmed. A key
 * whose file does not say its server (Modelon's api.key) asks for it: a new profile is bound
 * only to a server someone named; an existing profile named instead is joined as it is.
 * `removePlaintext` pre-ticks deleting the plaintext (the audit's Import and remove). Returns
 * the import's report, or null when cancelled or nothing was found.
 */
export async function importKeys({ removePlaintext = false } = {}) {
  let found;
  try {
    found = await call(CMD.importScan);
  } catch (err) {
    notifyError(err, "Could not look for keys to import");
    return;
  }
  if (!found.length) {
    openInfo("import-none", "Import existing keys", importTexts(importServices()).none);
    return null;
  }
  const asks = found.filter((f) => f.needs_url && !f.problem);
  // The one profile of this computer of the found keys' service, to join rather than make another.
  const services = [...new Set(found.map((f) => f.service))];
  const mine = services.length === 1 ? (state.status?.profiles ?? []).filter((p) => p.service === services[0] && !p.store) : [];
  const list = h(
    "ul",
    { class: "found-list", "data-testid": "import-found" },
    found.map((f) => h("li", {}, h("strong", {}, serviceName(f.service)), ` ${f.name} `, h("span", { class: "mono" }, maskSecret(f.last4)), h("span", { class: "small muted" }, ` from ${f.source}`), f.problem ? h("span", { class: "small warning", "data-testid": "import-problem" }, ` — not imported: ${f.problem}`) : null)),
  );
  const r = await formDialog({
    testid: "import-form",
    title: "Import existing keys",
    intro: "SimCred found these keys in plaintext files. Importing moves them into your keyring.",
    extra: list,
    fields: [
      {
        name: "profile",
        label: "Into profile (an existing one is joined; empty: a new one named after each service)",
        placeholder: importTexts(importServices()).placeholder,
        value: mine.length === 1 ? mine[0].name : "",
        validate: (v) => (String(v ?? "").trim() ? validateName("profile", String(v).trim()) : null),
      },
      asks.length
        ? {
            name: "url",
            label: `Server URL of the ${serviceName(asks[0].service)} key`,
            inputmode: "url",
            placeholder: "https://impact.example.com/",
            help: `${asks.map((f) => f.source).join(", ")} does not say which server the key is for, and SimCred does not guess. A new profile needs it; a profile named above that exists keeps its own.`,
            validate: (v) => (!String(v ?? "").trim() || /^https?:\/\/\S+$/.test(String(v).trim()) ? null : "Enter the server's URL, starting with https://."),
          }
        : null,
      { name: "remove_plaintext", label: "Then delete the plaintext copies", type: "checkbox", value: removePlaintext },
    ].filter(Boolean),
    submitLabel: "Import",
    onSubmit: async (v) => await call(CMD.import, { profile: v.profile.trim() || null, url: v.url?.trim() || null, remove_plaintext: !!v.remove_plaintext }),
  });
  if (r) {
    const done = r.imported.filter((x) => x.action === "imported");
    const where = [...new Set(done.map((x) => x.stored_in))].join(", ");
    const skipped = r.imported.filter((x) => x.action === "skipped").map((x) => ` Not imported: ${x.profile}/${x.key} — ${x.note}`).join("");
    const remaining = r.remaining.length ? ` Plaintext copies remain in ${r.remaining.join(", ")}.` : "";
    notify(`Imported ${done.length} key(s)${where ? ` → ${where}` : ""}.${skipped}${remaining}`, skipped ? "info" : "success");
    await actions.refresh();
  }
  return r ?? null;
}

export async function openSettings() {
  const v = await formDialog({
    testid: "settings-form",
    title: "Settings",
    fields: [
      {
        name: "clear_after",
        label: "Clear the clipboard after (seconds)",
        type: "number",
        value: clearAfter(),
        inputmode: "numeric",
        validate: (x) => (/^\d+$/.test(String(x)) && Number(x) >= 1 && Number(x) <= 3600 ? null : "Enter a number of seconds from 1 to 3600."),
      },
    ],
    extra: h("p", { class: "small muted" }, `Profiles: ${state.status?.config_file ?? "?"}. Keyring: ${state.status?.backend ?? "?"}.`),
    submitLabel: "Save",
    onSubmit: async (x) => x,
  });
  if (v) {
    const secs = Number(v.clear_after);
    rememberClearAfter(secs);
    notify(`Copied keys are cleared from the clipboard after ${secs} s.`, "success");
  }
}

export async function startSandbox() {
  const buttons = [$("#welcome-sandbox"), $("#btn-sandbox")];
  buttons.forEach((b) => (b.disabled = true));
  try {
    const info = await call(CMD.sandboxStart);
    state.info.sandbox_url = info.url;
    notify(sandboxText(info), "success");
    setSelected(info.profiles[0]);
    await actions.refresh();
  } catch (err) {
    notifyError(err, "Could not start the sandbox");
  } finally {
    buttons.forEach((b) => (b.disabled = false));
  }
}
