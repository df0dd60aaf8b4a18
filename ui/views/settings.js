// The toolbar's Import, Settings and Sandbox: importing keys found in plaintext files, the
// clipboard setting, and starting the loopback sandbox with its demo profiles.

import { call } from "../lib/api.js";
import { CMD } from "../lib/commands.js";
import { formDialog } from "../lib/dialogs.js";
import { $, h, replace } from "../lib/dom.js";
import { importTargets, importsAny, planLine } from "../lib/importing.js";
import { importTexts, sandboxText } from "../lib/forms.js";
import { errorText, importServices, keyPolicy, maskSecret, serviceName } from "../lib/model.js";
import { validateName } from "../lib/validate.js";
import { clearAfter, rememberClearAfter, setSelected, state } from "../state.js";
import { actions } from "./actions.js";
import { notify, notifyError } from "./messages.js";
import { openInfo } from "./shared.js";

/**
 * Import: shows what was found and, per key, where it will go — the existing profile it joins
 * or the new one it makes, and the server — as the core's dry run says, again after each
 * change; nothing is written until confirmed. Each service's profile can be named (empty: the
 * default name). A key whose file does not say its server (Modelon's api.key) asks for it: a
 * new profile is bound only to a server someone named; an existing profile keeps its own.
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
  const targets = importTargets(found, state.status?.profiles ?? [], keyPolicy);
  const list = h(
    "ul",
    { class: "found-list", "data-testid": "import-found" },
    found.map((f) => h("li", {}, h("strong", {}, serviceName(f.service)), ` ${f.name} `, h("span", { class: "mono" }, maskSecret(f.last4)), h("span", { class: "small muted" }, ` from ${f.source}`), f.problem ? h("span", { class: "small warning", "data-testid": "import-problem" }, ` — not imported: ${f.problem}`) : null)),
  );
  const plan = h("ul", { class: "found-list", "data-testid": "import-plan", "aria-live": "polite" });
  const args = (v) => ({
    profiles: Object.fromEntries(targets.map((t) => [t.service, String(v[`profile_${t.service}`] ?? "").trim()])),
    url: v.url?.trim() || null,
    remove_plaintext: !!v.remove_plaintext,
  });
  // The dry run, again after each change (the latest answer wins; a bad name waits for a good one).
  let asked = 0;
  let timer = null;
  const preview = async (v) => {
    const mine = ++asked;
    if (targets.some((t) => String(v[`profile_${t.service}`] ?? "").trim() && validateName("profile", String(v[`profile_${t.service}`]).trim()))) return;
    try {
      const r = await call(CMD.import, { ...args(v), remove_plaintext: false, dry_run: true });
      if (mine !== asked) return;
      replace(plan, ...r.imported.map((rec) => h("li", { "data-testid": "import-plan-item", "data-action": rec.action, "data-new": rec.new_profile ? "1" : "0" }, planLine(rec))));
      plan.dataset.imports = importsAny(r.imported) ? "1" : "0";
    } catch (err) {
      if (mine === asked) replace(plan, h("li", { class: "warning", "data-testid": "import-plan-error" }, errorText(err)));
    }
  };
  const initial = Object.fromEntries(targets.map((t) => [`profile_${t.service}`, t.value]));
  const dialog = formDialog({
    testid: "import-form",
    title: "Import existing keys",
    intro: "SimCred found these keys in plaintext files. Importing moves them into your keyring; nothing is written until you choose Import.",
    before: list,
    extra: h("div", { class: "field" }, h("p", { class: "small" }, h("strong", {}, "What Import will do")), plan),
    fields: [
      ...targets.map((t) => ({
        name: `profile_${t.service}`,
        label: `${serviceName(t.service)}: into profile (an existing one is joined; empty: a new one named ${t.placeholder})`,
        placeholder: t.placeholder,
        value: t.value,
        validate: (v) => (String(v ?? "").trim() ? validateName("profile", String(v).trim()) : null),
      })),
      asks.length
        ? {
            name: "url",
            label: `Server URL of the ${serviceName(asks[0].service)} key`,
            inputmode: "url",
            placeholder: "https://impact.example.com/",
            help: `${asks.map((f) => f.source).join(", ")} does not say which server the key is for, and SimCred does not guess. A new profile needs it; an existing profile keeps its own.`,
            validate: (v) => (!String(v ?? "").trim() || /^https?:\/\/\S+$/.test(String(v).trim()) ? null : "Enter the server's URL, starting with https://."),
          }
        : null,
      { name: "remove_plaintext", label: "Then delete the plaintext copies", type: "checkbox", value: removePlaintext },
    ].filter(Boolean),
    submitLabel: "Import",
    onInput: (v) => {
      clearTimeout(timer);
      timer = setTimeout(() => preview(v), 250);
    },
    onSubmit: async (v) => {
      clearTimeout(timer);
      asked++;
      return await call(CMD.import, args(v));
    },
  });
  // The first plan, as soon as the dialog is open (a dry run writes nothing).
  preview(initial);
  const r = await dialog;
  clearTimeout(timer);
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
