// Profile actions: create (service, then name and settings), edit, delete, export to the
// vendor's file.

import { call } from "../lib/api.js";
import { CMD } from "../lib/commands.js";
import { confirmDialog, formDialog } from "../lib/dialogs.js";
import { exportOptions, formSettings, profileNameField, settingFields, storedSettings } from "../lib/forms.js";
import { service, services } from "../lib/model.js";
import { diffSettings, validateProfileForm } from "../lib/validate.js";
import { setSelected, state } from "../state.js";
import { actions } from "./actions.js";
import { notify, notifyError } from "./messages.js";

/** Turns a form's refused checks into the error onSubmit throws: each under its field. */
function throwFirst(errors) {
  const list = Object.entries(errors).map(([name, message]) => ({ name, label: name, message }));
  if (list.length) throw { code: "invalid", message: list[0].message, fields: list };
}

export async function addProfile(serviceId) {
  const names = state.status?.profiles?.map((p) => p.name) ?? [];
  const list = services();
  if (!list.length) {
    notify("The app reported no services; restart it or use the simcred command.", "error");
    return;
  }
  const choose = await formDialog({
    testid: "profile-service",
    title: "New profile",
    intro: "A profile is one account on one service. Which service?",
    fields: [
      {
        name: "service",
        label: "Service",
        type: "select",
        value: service(serviceId) ? serviceId : list[0].id,
        options: list.map((s) => ({ value: s.id, label: s.name })),
      },
    ],
    submitLabel: "Next",
    onSubmit: async (v) => v.service,
  });
  const svc = service(choose);
  if (!svc) return;
  const created = await formDialog({
    testid: "profile-form",
    title: `New ${svc.name} profile`,
    fields: [profileNameField(svc, names), ...settingFields(svc)],
    columns: 2,
    submitLabel: "Create profile",
    onSubmit: async (v) => {
      throwFirst(validateProfileForm(svc, v, { isNew: true }));
      const settings = Object.fromEntries(Object.entries(formSettings(svc, v)).filter(([, x]) => x.trim() !== ""));
      return await call(CMD.profileAdd, { name: String(v.name).trim(), service: svc.id, settings });
    },
  });
  if (created) {
    notify(`Created profile ${created.name}.`, "success");
    setSelected(created.name);
    await actions.refresh();
  }
}

export async function editProfile(p) {
  const svc = service(p.service);
  const before = storedSettings(svc, p.settings);
  const fields = settingFields(svc, p.settings);
  const known = new Set(fields.map((f) => f.name));
  const saved = await formDialog({
    testid: "profile-form",
    title: `Edit ${p.name}`,
    fields,
    columns: 2,
    submitLabel: "Save",
    onSubmit: async (v) => {
      throwFirst(validateProfileForm(svc, v, { isNew: false }));
      const scoped = Object.fromEntries(Object.entries(before).filter(([k]) => known.has(k)));
      const { set, unset } = diffSettings(scoped, formSettings(svc, v));
      if (!Object.keys(set).length && !unset.length) return p;
      return await call(CMD.profileEdit, { name: p.name, set, unset });
    },
  });
  if (saved) {
    notify(`Saved ${p.name}.`, "success");
    await actions.refresh();
  }
}

export async function removeProfile(p) {
  const what = p.keys.length ? ` and its ${p.keys.length} key(s)` : p.tokens.length ? " and its sign-in tokens" : "";
  const ok = await confirmDialog({
    title: `Delete ${p.name}?`,
    text: `This deletes the profile ${p.name}${what} from this computer's keyring. Keys exported to vendor files stay there.`,
    confirmLabel: "Delete profile",
    danger: true,
  });
  if (!ok) return;
  try {
    await call(CMD.profileRemove, { name: p.name });
    notify(`Deleted profile ${p.name}.`, "success");
    setSelected(null);
    await actions.refresh();
  } catch (err) {
    notifyError(err, `Could not delete the profile ${p.name}`);
  }
}

export async function exportProfile(p) {
  const opts = exportOptions(service(p.service));
  if (!opts) return;
  const res = await formDialog({
    testid: "export",
    title: `Export ${p.name}`,
    intro: `Writes ${opts.what} to ${opts.label} (mode 0600), where the vendor's own client reads it. That is a plaintext copy outside the keyring.`,
    fields: [
      { name: "force", label: "Overwrite a different key already in the file", type: "checkbox", value: false, hidden: !opts.force },
      { name: "include_secret", label: opts.secretLabel ?? "Also write the secret", type: "checkbox", value: false, hidden: !opts.secretLabel },
    ],
    submitLabel: "Export",
    onSubmit: async (v) =>
      await call(CMD.export, { profile: p.name, force: opts.force ? v.force : false, include_secret: opts.secretLabel ? v.include_secret : false }),
  });
  if (res) {
    notify(`Wrote ${res.keys.join(", ")} to ${res.path}.`, "success");
    await actions.refresh({ quiet: true });
  }
}
