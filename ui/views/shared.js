// Small pieces several views use: re-rendering without losing focus, copying a text, a time
// for a table cell, a one-button information dialog.

import { openDialog } from "../lib/dialogs.js";
import { h } from "../lib/dom.js";
import { formatTime } from "../lib/model.js";

/**
 * Re-renders `root` with `render` and, when focus was inside it, puts focus back on the
 * control with the same data-testid (a re-render after a dialog or a background refresh must not
 * drop focus to the page).
 */
export function keepingFocus(root, render) {
  const el = document.activeElement;
  const testid = el && el !== document.body && root.contains(el) ? el.getAttribute("data-testid") : null;
  render();
  if (!testid || root.contains(document.activeElement)) return;
  const again = root.querySelector(`[data-testid="${CSS.escape(testid)}"]`);
  if (again && !again.disabled) again.focus();
}

/** Copies `text` to the clipboard; when the page may not, selects `el` for Ctrl+C. */
export async function copyText(text, el, button) {
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = "Copied";
  } catch {
    const r = document.createRange();
    r.selectNodeContents(el);
    const sel = getSelection();
    sel.removeAllRanges();
    sel.addRange(r);
    button.textContent = "Selected: press Ctrl+C";
  }
}

/** A time for a table cell: date and clock each kept on one line, a break only between them. */
export function timeCell(iso) {
  const [day, clock] = formatTime(iso).split(" ");
  // One element: a stacked table cell puts its one value beside its label.
  return clock ? h("span", {}, [h("span", { class: "nowrap" }, day), " ", h("span", { class: "nowrap" }, clock)]) : day;
}

export function openInfo(testid, title, text) {
  const ok = h("button", { type: "button", class: "btn btn-primary", "data-testid": `${testid}-ok` }, "OK");
  const ctx = openDialog({ testid, title, body: [h("p", {}, text), h("div", { class: "dialog-actions" }, h("span", { class: "spacer" }), ok)] });
  ok.addEventListener("click", () => ctx.close());
  ok.focus();
}
