// The message bar above the status bar: notify() shows a sentence (with an optional action
// button such as Undo), notifyError() an error naming what failed.

import { $ } from "../lib/dom.js";
import { errorText, supersededMessage } from "../lib/model.js";

let toastTimer = null;
let toastAction = null;
/** The profile the message on screen is about: {profile, kind, at}, or null. */
let toastAbout = null;

/**
 * Shows a sentence in the message bar above the status bar (it takes its own room, covering
 * nothing); errors stay until dismissed, Escape or ✕ closes it. `action` ({label, run, testid})
 * adds a button, such as Undo; `seconds` how long the message stays.
 */
export function notify(text, kind = "info", { action = null, seconds = 10, about = null } = {}) {
  const toast = $("#toast");
  toastAbout = about ? { profile: about, kind, at: Date.now() } : null;
  $("#toast-text").textContent = text;
  toast.dataset.kind = kind;
  toast.className = `toast toast-${kind}`;
  toast.hidden = false;
  const btn = $("#toast-action");
  toastAction = action;
  btn.hidden = !action;
  btn.textContent = action ? action.label : "";
  if (action?.aria) btn.setAttribute("aria-label", action.aria);
  else btn.removeAttribute("aria-label");
  clearTimeout(toastTimer);
  if (kind !== "error") toastTimer = setTimeout(closeToast, seconds * 1000);
}

/**
 * After a refresh: a message about a profile that the latest status made untrue (a green
 * "valid" before an outage) gives way to what is true now (model.js supersededMessage).
 */
export function reviewToast(profiles) {
  if (!toastAbout || $("#toast").hidden) return;
  const st = (profiles ?? []).find((p) => p.name === toastAbout.profile);
  const now = supersededMessage(toastAbout, st);
  if (now) notify(now.text, now.kind, { about: toastAbout.profile });
}

export function closeToast() {
  clearTimeout(toastTimer);
  toastAction = null;
  toastAbout = null;
  $("#toast").hidden = true;
}

/** The message's button (such as Undo): closes the message, then runs its action. */
export function runToastAction() {
  const a = toastAction;
  closeToast();
  if (a) a.run();
}

/** An error message naming what failed: "Could not delete the key k1: …". */
export function notifyError(err, what) {
  notify(what ? `${what}: ${errorText(err)}` : errorText(err), "error");
}
