// Modal dialogs built on <dialog>: a generic form dialog (validation as you type, core's error
// text on submit, a busy state), a confirm dialog, and a plain message dialog.
// Secret fields are password inputs: their value lives only in the input's `value` property
// (never an attribute), is sent once over IPC, and is wiped when the dialog closes.

import { h } from "./dom.js";
import { errorText } from "./model.js";

let seq = 0;

/** Opens a <dialog> with a title, a body and buttons; returns {dialog, body, error, close}. */
export function openDialog({ testid, title, body = [], wide = false, onClose }) {
  const titleId = `dlg-title-${++seq}`;
  const error = h("p", { class: "dialog-error", role: "alert", "data-testid": `${testid}-error`, hidden: true });
  const bodyEl = h("div", { class: "dialog-body" }, body);
  const dialog = h(
    "dialog",
    { class: wide ? "dialog dialog-wide" : "dialog", "data-testid": testid, "aria-labelledby": titleId },
    h("h2", { id: titleId, class: "dialog-title" }, title),
    bodyEl,
    error,
  );
  document.body.append(dialog);
  const close = () => {
    if (dialog.open) dialog.close();
  };
  dialog.addEventListener("close", () => {
    for (const input of dialog.querySelectorAll("input")) input.value = "";
    dialog.remove();
    if (onClose) onClose();
  });
  dialog.showModal();
  const showError = (msg) => {
    error.textContent = msg ? msg : "";
    error.hidden = !msg;
  };
  return { dialog, body: bodyEl, error, showError, close };
}

/**
 * A form in a dialog.
 * fields: [{name, label, type ("text"|"password"|"number"|"select"|"checkbox"|"url"), value,
 *           options: [{value,label}], placeholder, help, warning, autocomplete, validate(v, all),
 *           hidden, wide, group}]
 * Fields with the same `group` (a heading) sit together in a collapsed <details> where the
 * first of them would be; it starts open when one of them has a value, and opens when a submit
 * is refused so every field is in view while the form is put right.
 * onSubmit(values, ctx) may throw {code, message}; its text is shown and the dialog stays open.
 * Returns a promise resolved with onSubmit's result (or null when cancelled).
 */
export function formDialog({
  testid,
  title,
  intro,
  fields,
  submitLabel = "Save",
  cancelLabel = "Cancel",
  danger = false,
  extra,
  onSubmit,
  onInput,
  columns = 1,
}) {
  return new Promise((resolve) => {
    let result = null;
    const inputs = {};
    const messages = {};
    const rows = [];
    for (const f of fields) {
      const id = `f-${++seq}`;
      const msgId = `${id}-msg`;
      let input;
      if (f.type === "select") {
        input = h(
          "select",
          { id, name: f.name, "data-testid": `${testid}-${f.name}`, "aria-describedby": msgId },
          f.options.map((o) => h("option", { value: o.value, selected: o.value === f.value }, o.label)),
        );
      } else if (f.type === "checkbox") {
        input = h("input", {
          id,
          type: "checkbox",
          name: f.name,
          "data-testid": `${testid}-${f.name}`,
          checked: !!f.value,
        });
      } else {
        input = h("input", {
          id,
          name: f.name,
          type: f.type ?? "text",
          "data-testid": `${testid}-${f.name}`,
          placeholder: f.placeholder,
          autocomplete: f.autocomplete ?? (f.type === "password" ? "off" : "off"),
          spellcheck: "false",
          inputmode: f.inputmode,
          "aria-describedby": msgId,
          "aria-required": f.required ? "true" : undefined,
          disabled: f.disabled,
        });
        // Set as a property, never an attribute, so it is not part of the page source.
        if (f.value !== undefined && f.value !== null) input.value = String(f.value);
      }
      inputs[f.name] = input;
      const msg = h("span", { id: msgId, class: "field-msg", "data-testid": `${testid}-${f.name}-msg` });
      messages[f.name] = msg;
      const label = h("label", { for: id }, f.label, f.required ? h("span", { class: "req", "aria-hidden": "true" }, " *") : null);
      const row =
        f.type === "checkbox"
          ? h("div", { class: "field field-check" }, input, label, f.help ? h("p", { class: "help" }, f.help) : null)
          : h(
              "div",
              { class: "field" },
              label,
              input,
              f.warning ? h("p", { class: "warning" }, f.warning) : null,
              f.help ? h("p", { class: "help" }, f.help) : null,
              msg,
            );
      if (f.hidden) row.hidden = true;
      if (f.wide) row.classList.add("field-wide");
      rows.push(row);
    }
    const groups = groupRows(testid, fields, rows, columns);
    const submit = h("button", { type: "submit", class: danger ? "btn btn-danger" : "btn btn-primary", "data-testid": `${testid}-submit` }, submitLabel);
    const cancel = h("button", { type: "button", class: "btn", "data-testid": `${testid}-cancel` }, cancelLabel);
    const busy = h("span", { class: "busy", "data-testid": `${testid}-busy`, hidden: true, role: "status" }, h("span", { class: "spinner", "aria-hidden": "true" }), " Working…");
    const form = h(
      "form",
      { class: "form", method: "dialog", novalidate: true },
      intro ? h("p", { class: "intro" }, intro) : null,
      columns > 1 ? h("div", { class: "form-grid" }, groups.layout) : groups.layout,
      extra ?? null,
      h("div", { class: "dialog-actions" }, busy, h("span", { class: "spacer" }), cancel, submit),
    );
    const ctx = openDialog({ testid, title, body: [form], wide: columns > 1, onClose: () => resolve(result) });
    const values = () => {
      const v = {};
      for (const [k, el] of Object.entries(inputs)) v[k] = el.type === "checkbox" ? el.checked : el.value;
      return v;
    };
    const validate = (showAll) => {
      const all = values();
      let ok = true;
      for (const f of fields) {
        const m = f.validate ? f.validate(all[f.name], all) : null;
        const touched = showAll || inputs[f.name].dataset.touched === "1";
        messages[f.name].textContent = m && touched ? m : "";
        inputs[f.name].setAttribute("aria-invalid", m && touched ? "true" : "false");
        if (m) ok = false;
      }
      return ok;
    };
    form.addEventListener("input", (e) => {
      if (e.target && e.target.dataset) e.target.dataset.touched = "1";
      ctx.showError(null);
      if (onInput) onInput(values(), { inputs, rows });
      validate(false);
    });
    form.addEventListener("change", () => {
      if (onInput) onInput(values(), { inputs, rows });
    });
    cancel.addEventListener("click", () => ctx.close());
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (!validate(true)) {
        for (const d of groups.details) d.open = true;
        return;
      }
      submit.disabled = true;
      busy.hidden = false;
      ctx.showError(null);
      try {
        result = await onSubmit(values(), ctx);
        ctx.close();
      } catch (err) {
        ctx.showError(errorText(err));
      } finally {
        submit.disabled = false;
        busy.hidden = true;
      }
    });
    if (onInput) onInput(values(), { inputs, rows });
    const first = form.querySelector("input:not([disabled]):not([type=checkbox]), select");
    if (first) first.focus();
  });
}

/**
 * Lays out a form's rows: ungrouped rows as they are, the rows of each `group` inside one
 * <details> (collapsed unless a field in it has a value) placed where its first row was.
 * @returns {{layout: Element[], details: HTMLDetailsElement[]}}
 */
function groupRows(testid, fields, rows, columns) {
  const layout = [];
  const details = [];
  const byGroup = new Map();
  fields.forEach((f, i) => {
    if (!f.group) {
      layout.push(rows[i]);
      return;
    }
    let g = byGroup.get(f.group);
    if (!g) {
      const inner = h("div", { class: columns > 1 ? "form-grid" : "form-group-rows" });
      const slug = f.group.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
      const el = h("details", { class: "form-group field-wide", "data-testid": `${testid}-group-${slug}` }, h("summary", {}, f.group), inner);
      g = { el, inner };
      byGroup.set(f.group, g);
      layout.push(el);
      details.push(el);
    }
    g.inner.append(rows[i]);
    const filled = f.type === "checkbox" ? false : String(f.value ?? "").trim() !== "";
    if (filled) g.el.open = true;
  });
  return { layout, details };
}

/** Asks a yes/no question; resolves true when confirmed. */
export function confirmDialog({ title, text, confirmLabel = "OK", danger = false, testid = "confirm" }) {
  return new Promise((resolve) => {
    let answer = false;
    const ok = h("button", { type: "button", class: danger ? "btn btn-danger" : "btn btn-primary", "data-testid": `${testid}-ok` }, confirmLabel);
    const cancel = h("button", { type: "button", class: "btn", "data-testid": `${testid}-cancel` }, "Cancel");
    const ctx = openDialog({
      testid,
      title,
      body: [h("p", {}, text), h("div", { class: "dialog-actions" }, h("span", { class: "spacer" }), cancel, ok)],
      onClose: () => resolve(answer),
    });
    ok.addEventListener("click", () => {
      answer = true;
      ctx.close();
    });
    cancel.addEventListener("click", () => ctx.close());
    cancel.focus();
  });
}
