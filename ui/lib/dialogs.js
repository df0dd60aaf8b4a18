// Modal dialogs built on <dialog>: a generic form dialog (validation as you type, core's error
// text on submit attached to its field, a busy state), a confirm dialog, and a plain message
// dialog. When a dialog closes, focus goes back to the control that opened it (or, when the page
// re-rendered it meanwhile, to the control with the same data-testid: see restoreFocus()).
// Secret fields are password inputs: their value lives only in the input's `value` property
// (never an attribute), is sent once over IPC, and is wiped when the dialog closes.

import { h, replace } from "./dom.js";
import { errorText, sentence } from "./model.js";

let seq = 0;

/** Where focus goes once the page has re-rendered after a dialog closed: {el, testid}. */
let pendingFocus = null;

/**
 * Moves focus back after a dialog: to the opener when it is still on the page, else to the
 * control that replaced it (same data-testid), else to `fallback` (a selector). Call it after
 * re-rendering; it does nothing once focus has been returned.
 */
export function restoreFocus(fallback = "#detail h2") {
  if (!pendingFocus || document.querySelector("dialog[open]")) return;
  const { el, testid } = pendingFocus;
  const target =
    (el && el.isConnected && !el.disabled && el.getClientRects().length ? el : null) ??
    (testid ? document.querySelector(`[data-testid="${CSS.escape(testid)}"]:not([disabled])`) : null) ??
    document.querySelector(fallback);
  if (target) {
    target.focus();
    pendingFocus = null;
  }
}

/** Asks that focus go to the control with this data-testid once the page has re-rendered. */
export function focusLater(testid) {
  pendingFocus = { el: null, testid };
}

/** Opens a <dialog> with a title, a body and buttons; returns {dialog, body, error, close}. */
export function openDialog({ testid, title, body = [], wide = false, onClose }) {
  const opener = document.activeElement && document.activeElement !== document.body ? document.activeElement : null;
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
    pendingFocus = { el: opener, testid: opener?.getAttribute?.("data-testid") ?? null };
    restoreFocus();
    if (onClose) onClose();
  });
  dialog.showModal();
  /** Shows a message at the foot of the dialog, with an optional button (e.g. "Store anyway"). */
  const showError = (msg, action) => {
    replace(error, msg ? msg : "");
    if (msg && action) {
      error.append(
        " ",
        h("button", { type: "button", class: "btn btn-small", "data-testid": `${testid}-error-action`, onclick: action.run }, action.label),
      );
    }
    error.hidden = !msg;
  };
  return { dialog, body: bodyEl, error, showError, close };
}

/**
 * A form in a dialog.
 * fields: [{name, label, type ("text"|"password"|"number"|"select"|"checkbox"|"url"), value,
 *           options: [{value,label}], placeholder, help, warning, autocomplete, validate(v, all),
 *           note(v) (a hint shown as you type, e.g. "will be saved as …"), hidden, wide, group}]
 * Password fields get a Show/Hide toggle. `before` goes above the fields, `extra` below.
 * Fields with the same `group` (a heading) sit together in a collapsed <details> where the
 * first of them would be; it starts open when one of them has a value, and opens when a submit
 * is refused so every field is in view while the form is put right.
 * onSubmit(values, ctx) may throw {code, message, fields?, retry?}: each of `fields`
 * ([{name, message}]) is shown under its field (marked aria-invalid, the first one focused),
 * anything else at the foot of the dialog, with a button when `retry` ({label, run(values)})
 * is given; the dialog stays open.
 * Returns a promise resolved with onSubmit's result (or null when cancelled).
 */
export function formDialog({
  testid,
  title,
  intro,
  fields,
  before,
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
    const notes = [];
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
        const described = [msgId, f.help ? `${id}-help` : null, f.note ? `${id}-note` : null].filter(Boolean).join(" ");
        input = h("input", {
          id,
          name: f.name,
          type: f.type ?? "text",
          "data-testid": `${testid}-${f.name}`,
          placeholder: f.placeholder,
          autocomplete: f.autocomplete ?? "off",
          spellcheck: "false",
          inputmode: f.inputmode,
          "aria-describedby": described,
          "aria-required": f.required ? "true" : undefined,
          disabled: f.disabled,
        });
        // Set as a property, never an attribute, so it is not part of the page source.
        if (f.value !== undefined && f.value !== null) input.value = String(f.value);
      }
      inputs[f.name] = input;
      const msg = h("span", { id: msgId, class: "field-msg", "data-testid": `${testid}-${f.name}-msg` });
      messages[f.name] = msg;
      if (f.note) {
        const note = h("span", { id: `${id}-note`, class: "field-note", "data-testid": `${testid}-${f.name}-note`, "aria-live": "polite" });
        notes.push({ f, input, note });
      }
      const label = h("label", { for: id }, f.label, f.required ? h("span", { class: "req", "aria-hidden": "true" }, " *") : null);
      const control = f.type === "password" ? h("div", { class: "secret-input" }, input, revealToggle(input, f.label, `${testid}-${f.name}-reveal`)) : input;
      const row =
        f.type === "checkbox"
          ? h("div", { class: "field field-check" }, input, label, f.help ? h("p", { class: "help" }, f.help) : null)
          : h(
              "div",
              { class: "field" },
              label,
              control,
              f.warning ? h("p", { class: "warning" }, f.warning) : null,
              f.help ? h("p", { id: `${id}-help`, class: "help" }, f.help) : null,
              notes.find((n) => n.f === f)?.note ?? null,
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
      before ?? null,
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
    const showNotes = () => {
      for (const n of notes) n.note.textContent = n.f.note(n.input.value) ?? "";
    };
    /** Focuses the first field marked invalid (opening its group first). */
    const focusFirstInvalid = () => {
      const bad = Object.values(inputs).find((el) => el.getAttribute("aria-invalid") === "true" && !el.closest("[hidden]"));
      if (!bad) return false;
      const group = bad.closest("details");
      if (group) group.open = true;
      bad.focus();
      return true;
    };
    /** Shows the core's refusal of some fields under those fields; true when one was shown. */
    const showFieldErrors = (list) => {
      let shown = false;
      for (const fe of list ?? []) {
        const input = inputs[fe?.name];
        if (!input || input.closest("[hidden]")) continue;
        messages[fe.name].textContent = sentence(fe.message);
        input.setAttribute("aria-invalid", "true");
        shown = true;
      }
      return shown;
    };
    form.addEventListener("input", (e) => {
      if (e.target && e.target.dataset) e.target.dataset.touched = "1";
      ctx.showError(null);
      if (onInput) onInput(values(), { inputs, rows });
      validate(false);
      showNotes();
    });
    form.addEventListener("change", () => {
      if (onInput) onInput(values(), { inputs, rows });
    });
    cancel.addEventListener("click", () => ctx.close());
    // Enter submits from a drop-down too, as from a text field (a form does not do it by itself).
    form.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && e.target instanceof HTMLSelectElement && !e.altKey && !e.ctrlKey && !e.metaKey && !e.shiftKey) {
        e.preventDefault();
        form.requestSubmit(submit);
      }
    });
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (!validate(true)) {
        for (const d of groups.details) d.open = true;
        focusFirstInvalid();
        return;
      }
      await run(onSubmit);
    });
    /** Runs a submit (or a retry such as "Store anyway"): busy while it runs, closes when done. */
    const run = async (fn) => {
      submit.disabled = true;
      busy.hidden = false;
      ctx.showError(null);
      try {
        result = await fn(values(), ctx);
        ctx.close();
      } catch (err) {
        const onField = showFieldErrors(err?.fields);
        const others = (err?.fields ?? []).filter((fe) => !inputs[fe?.name] || inputs[fe.name].closest("[hidden]"));
        if (!onField) ctx.showError(errorText(err), err?.retry ? { label: err.retry.label, run: () => run(err.retry.run) } : null);
        else if (others.length) ctx.showError(others.map((fe) => `${fe.label}: ${fe.message}`).map(sentence).join(" "));
        if (onField) focusFirstInvalid();
        else ctx.error.querySelector("button")?.focus();
      } finally {
        submit.disabled = false;
        busy.hidden = true;
      }
    };
    if (onInput) onInput(values(), { inputs, rows });
    showNotes();
    const first = form.querySelector("input:not([disabled]):not([type=checkbox]), select");
    if (first) first.focus();
  });
}

/** The Show/Hide button of a secret input: the value stays a property, only its type changes. */
function revealToggle(input, label, testid) {
  const btn = h(
    "button",
    { type: "button", class: "btn btn-small reveal", "data-testid": testid, "aria-label": `Show ${label}`, "aria-pressed": "false", "aria-controls": input.id },
    "Show",
  );
  btn.addEventListener("click", () => {
    const show = input.type === "password";
    input.type = show ? "text" : "password";
    btn.textContent = show ? "Hide" : "Show";
    btn.setAttribute("aria-label", `${show ? "Hide" : "Show"} ${label}`);
    btn.setAttribute("aria-pressed", show ? "true" : "false");
    input.focus();
  });
  return btn;
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
