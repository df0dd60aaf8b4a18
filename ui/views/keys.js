// The API keys card of a profile and its actions: add, replace, rename, delete with Undo, set
// default, check, and Copy with the clipboard countdown.

import { call } from "../lib/api.js";
import { CMD } from "../lib/commands.js";
import { focusLater, formDialog, restoreFocus } from "../lib/dialogs.js";
import { $, h, replace } from "../lib/dom.js";
import { addKeyFields, keyPageUrl, lowerCaseNote, replaceKeyFields } from "../lib/forms.js";
import { checkMessage, countdownParts, countdownText, formatTime, keyBadge, maskSecret, sentence, service } from "../lib/model.js";
import { validateName } from "../lib/validate.js";
import { clearAfter, state, undoSeconds } from "../state.js";
import { actions } from "./actions.js";
import { badge } from "./badges.js";
import { notify, notifyError } from "./messages.js";
import { copyText } from "./shared.js";

/** Whether a key is waiting out its Undo window (it is shown as gone). */
function beingDeleted(profile, name) {
  return [...state.deleting.values()].some((d) => d.profile === profile && d.name === name);
}

export function keysSection(p0, svc) {
  const p = { ...p0, keys: p0.keys.filter((k) => !beingDeleted(p0.name, k.name)) };
  const policy = svc?.key_policy ?? "named";
  const checkable = svc?.checkable === true;
  const canAdd = policy === "named" || p.keys.length === 0;
  const header = h(
    "div",
    { class: "card-header" },
    h("h3", { id: "keys-h" }, policy === "single" ? "API key" : "API keys"),
    h(
      "div",
      { class: "card-actions" },
      canAdd ? h("button", { type: "button", class: "btn btn-primary", "data-testid": "key-add", onclick: () => addKey(p) }, "Add key") : null,
      policy === "single" && p.keys.length
        ? h("button", { type: "button", class: "btn", "data-testid": "key-replace", onclick: () => replaceKey(p, p.keys[0]) }, "Replace key…")
        : null,
    ),
  );
  if (!p.keys.length) {
    return h(
      "section",
      { class: "card", "aria-labelledby": "keys-h" },
      header,
      h("p", { class: "muted", "data-testid": "no-keys" }, "No key yet. Add the key you made on the vendor's site; it goes straight into your keyring."),
    );
  }
  const list = h(
    "ul",
    { class: "key-list", role: "list", "data-testid": "keys-table" },
    p.keys.map((k) =>
      h(
        "li",
        { class: k.default ? "key-item is-default" : "key-item", "data-testid": `key-row-${k.name}` },
        h(
          "div",
          { class: "key-main" },
          h("span", { class: "key-name", "data-testid": `key-name-${k.name}` }, k.name),
          k.default ? h("span", { class: "default-mark", "data-testid": `key-default-mark-${k.name}`, title: "The default key" }, "default") : null,
          h("span", { class: "mono key-masked", "data-testid": `key-masked-${k.name}`, "aria-label": `key ending in ${k.last4 || "(too short to show)"}` }, maskSecret(k.last4)),
          badge(keyBadge(k.status, svc), `key-status-${k.name}`, k.status),
        ),
        h(
          "div",
          { class: "row-actions" },
          h("button", { type: "button", class: "btn btn-small btn-primary", "data-testid": `key-copy-${k.name}`, "aria-label": `Copy key ${k.name}`, onclick: () => copyKey(p, k) }, "Copy"),
          checkable
            ? h("button", { type: "button", class: "btn btn-small", "data-testid": `key-check-${k.name}`, "aria-label": `Check key ${k.name}`, onclick: (e) => checkKey(p, k, e.currentTarget) }, "Check")
            : null,
          policy === "named"
            ? h("button", { type: "button", class: "btn btn-small", "data-testid": `key-default-${k.name}`, "aria-label": `Make ${k.name} the default key`, disabled: k.default, onclick: () => setDefault(p, k) }, "Set default")
            : null,
          h("button", { type: "button", class: "btn btn-small", "data-testid": `key-rename-${k.name}`, "aria-label": `Rename key ${k.name}`, onclick: () => renameKey(p, k) }, "Rename"),
          policy === "named"
            ? h("button", { type: "button", class: "btn btn-small", "data-testid": `key-replace-${k.name}`, "aria-label": `Replace key ${k.name}`, onclick: () => replaceKey(p, k) }, "Replace")
            : null,
          h("button", { type: "button", class: "btn btn-small btn-danger-quiet", "data-testid": `key-delete-${k.name}`, "aria-label": `Delete key ${k.name}`, onclick: () => deleteKey(p, k) }, "Delete"),
        ),
        h(
          "div",
          { class: "key-meta small muted" },
          h("span", {}, `Created ${formatTime(k.created)}`),
          h("span", {}, `Last checked ${k.checked ? formatTime(k.checked) : "never"}`),
          h("span", {}, `Expires ${k.expires ? formatTime(k.expires) : "—"}`),
          k.exported?.length ? h("span", {}, `Exported to ${k.exported.join(", ")}`) : null,
        ),
        k.detail ? h("div", { class: "key-detail small", "data-testid": `key-detail-${k.name}` }, k.detail) : null,
      ),
    ),
  );
  return h("section", { class: "card", "aria-labelledby": "keys-h" }, header, list);
}

const ONCE_WARNING = "Vendors show a new key only once. Paste it here before you close their page; SimCred keeps it in your keyring.";

async function addKey(p) {
  const svc = service(p.service);
  const named = (svc?.key_policy ?? "named") === "named";
  const meta = await formDialog({
    testid: "key-form",
    title: `Add a key to ${p.name}`,
    fields: addKeyFields(svc, p.keys, ONCE_WARNING),
    submitLabel: "Add key",
    onSubmit: async (v) =>
      await call(CMD.keyAdd, {
        profile: p.name,
        name: named ? v.name.trim() : null,
        secret: v.secret,
        make_default: !!v.make_default,
      }),
  });
  if (meta) {
    // A key the service can check: offer to check it now (a Dlubal check counts against the
    // plan, so it is only ever asked for, never done unasked).
    const check = svc?.checkable ? { label: "Check now", aria: `Check the key ${meta.name} with the service`, run: () => checkKey(p, meta, null) } : null;
    notify(`Stored key ${meta.name} in ${p.name} (${maskSecret(meta.last4)})${meta.default ? ", the default" : ""}.`, "success", { action: check, seconds: check ? 20 : 10 });
    await actions.refresh();
  }
}

/**
 * Replace key, in the order people do it: 1. open the server's key page (with a Copy link
 * fallback inside the dialog when no browser opens) → 2. paste the new key → 3. check it with
 * the service → 4. replace. A refused check offers "Store anyway".
 */
async function replaceKey(p, k) {
  const svc = service(p.service);
  const page = keyPageUrl(svc, p.settings);
  const checkable = svc?.checkable === true;
  const fallback = h("div", { class: "link-fallback", "data-testid": "key-replace-fallback", role: "status", hidden: true });
  const showFallback = () => {
    const link = h("span", { class: "mono", "data-testid": "key-replace-link" }, page);
    const copy = h("button", { type: "button", class: "btn btn-small", "data-testid": "key-replace-copy-link", "aria-label": `Copy the link ${page}` }, "Copy link");
    copy.addEventListener("click", () => copyText(page, link, copy));
    replace(fallback, h("p", { class: "small" }, "No browser opened. Open this page yourself:"), h("div", { class: "link-row" }, link, copy));
    fallback.hidden = false;
    copy.focus();
  };
  const before = page
    ? h(
        "ol",
        { class: "steps" },
        h(
          "li",
          {},
          h("p", {}, "Open the server's key page and make a new key (the old one stops working)."),
          h(
            "button",
            {
              type: "button",
              class: "btn",
              "data-testid": "key-replace-open",
              onclick: async () => {
                try {
                  const opened = await call(CMD.profileOpenUrl, { name: p.name });
                  if (!opened) showFallback();
                } catch (err) {
                  showFallback();
                  notifyError(err, "Could not open the key page");
                }
              },
            },
            "Open the key page",
          ),
          fallback,
        ),
        h("li", {}, "Paste the new key below."),
        checkable ? h("li", {}, "SimCred checks it with the service (the old key is kept if the check fails).") : null,
        h("li", {}, "Replace: SimCred swaps it in and writes it again wherever the old one was exported."),
      )
    : null;
  const replaceWith = (v, check) => call(CMD.keyReplace, { profile: p.name, name: k.name, secret: v.secret, check });
  const r = await formDialog({
    testid: "replace-form",
    title: `Replace ${k.name} in ${p.name}`,
    before,
    fields: replaceKeyFields(svc, ONCE_WARNING),
    submitLabel: checkable ? "Check and replace" : "Replace",
    onSubmit: async (v) => {
      try {
        return await replaceWith(v, !!v.check);
      } catch (err) {
        if (err?.code === "check_failed") throw { ...err, retry: { label: "Store anyway", run: (x) => replaceWith(x, false) } };
        throw err;
      }
    },
  });
  if (r) {
    const re = (r.reexported.length ? ` Re-exported to ${r.reexported.join(", ")}.` : "") + (r.skipped?.length ? ` Not re-exported: ${r.skipped.map(sentence).join(" ")}` : "");
    notify(`Replaced ${r.key.name} in ${p.name} with ${maskSecret(r.key.last4)} (${r.key.status}).${re}`, "success");
    await actions.refresh();
  }
}

async function renameKey(p, k) {
  const others = p.keys.filter((x) => x.name !== k.name).map((x) => x.name);
  const m = await formDialog({
    testid: "rename-form",
    title: `Rename ${k.name}`,
    fields: [
      {
        name: "new",
        label: "New name",
        value: k.name,
        required: true,
        validate: (v) => validateName("key", String(v ?? "").trim()) ?? (others.includes(String(v).trim().toLowerCase()) ? "Another key has this name." : null),
        note: (v) => lowerCaseNote(service(p.service), v),
      },
    ],
    submitLabel: "Rename",
    onSubmit: async (v) => await call(CMD.keyRename, { profile: p.name, old: k.name, new: v.new.trim() }),
  });
  if (m) {
    focusLater(`key-rename-${m.name}`);
    const note = m.exported.length ? ` It was exported under its old name; export ${p.name} again.` : "";
    notify(`Renamed ${k.name} to ${m.name}.${note}`, "success");
    await actions.refresh();
  }
}

/**
 * Deletes a key with Undo: the row disappears at once and the message offers Undo for
 * undoSeconds() (the app's UNDO_SECONDS, from app_info); the backend deletes the key from the
 * keyring only when that time has passed (or when the app exits), so until then Undo only
 * cancels the pending deletion.
 */
async function deleteKey(p, k) {
  const seconds = undoSeconds();
  let id;
  try {
    id = await call(CMD.keyRemoveLater, { profile: p.name, name: k.name, seconds });
  } catch (err) {
    notifyError(err, `Could not delete the key ${k.name}`);
    return;
  }
  state.deleting.set(id, { profile: p.name, name: k.name });
  if (state.profile?.name === p.name) actions.renderDetail(state.profile);
  // Focus to the next key's Copy (or the previous one's, or Add key when none is left).
  const rest = p.keys.filter((x) => x.name !== k.name && !beingDeleted(p.name, x.name));
  const i = p.keys.findIndex((x) => x.name === k.name);
  const next = rest[Math.min(i, rest.length - 1)];
  focusLater(next ? `key-copy-${next.name}` : "key-add");
  restoreFocus();
  notify(`Deleted the key ${k.name} from ${p.name}. Undo is possible for ${seconds} s.`, "success", {
    seconds,
    action: {
      label: "Undo",
      aria: `Undo deleting the key ${k.name}`,
      run: async () => {
        state.deleting.delete(id);
        let kept = false;
        try {
          kept = await call(CMD.keyRemoveUndo, { id });
        } catch (err) {
          notifyError(err, `Could not undo deleting ${k.name}`);
          return;
        }
        if (kept) notify(`Kept the key ${k.name} in ${p.name}.`, "success");
        else notify(`The key ${k.name} was already deleted.`, "error");
        focusLater(`key-copy-${k.name}`);
        await actions.refresh({ quiet: true });
        if (state.profile?.name === p.name) actions.renderDetail(state.profile);
        restoreFocus();
      },
    },
  });
}

/** A deletion whose Undo window passed was carried out by the backend (or failed). */
export async function onKeyRemoved(ev) {
  if (!state.deleting.has(ev.id)) return;
  state.deleting.delete(ev.id);
  if (ev.error) notify(`Could not delete the key ${ev.name} from ${ev.profile}: ${sentence(ev.error)}`, "error");
  else if (ev.new_default) notify(`Deleted the key ${ev.name}; ${ev.new_default} is now the default key of ${ev.profile}.`, "success");
  await actions.refresh({ quiet: true });
}

async function setDefault(p, k) {
  try {
    const m = await call(CMD.keyDefault, { profile: p.name, name: k.name });
    notify(`${m.name} is now the default key of ${p.name}.`, "success");
    await actions.refresh();
  } catch (err) {
    notifyError(err, `Could not make ${k.name} the default key`);
  }
}

async function checkKey(p, k, button) {
  // Focus comes back to this key's Check once the answer is shown (the button is disabled
  // while it waits, and the re-render replaces it).
  if (button && document.activeElement === button) focusLater(`key-check-${k.name}`);
  if (button) {
    button.disabled = true;
    button.textContent = "Checking…";
  }
  try {
    const r = await call(CMD.keyCheck, { profile: p.name, name: k.name });
    const { text, kind } = checkMessage(p.name, r);
    notify(text, kind, { about: p.name });
    await actions.refresh({ quiet: true });
  } catch (err) {
    notifyError(err, `Could not check the key ${k.name}`);
    await actions.refresh({ quiet: true });
  }
  // The refresh redrew the detail when anything changed; a button it left in place is still
  // "Checking…" and disabled.
  if (button?.isConnected && state.profile?.name === p.name) actions.renderDetail(state.profile);
  restoreFocus();
}

async function copyKey(p, k) {
  try {
    const started = await call(CMD.keyCopy, { profile: p.name, name: k.name, clear_after: clearAfter() });
    state.copyId = started.id;
    showCountdown(started.key, started.clear_after);
  } catch (err) {
    notifyError(err, `Could not copy the key ${k.name}`);
  }
}

function showCountdown(key, seconds) {
  const el = $("#clipboard-status");
  // The countdown stays whole; a narrow bar cuts the key's name (the tooltip keeps it).
  const [count, name] = countdownParts(key, seconds);
  replace(el, h("span", { class: "countdown" }, count), " ", h("span", { class: "cut" }, name));
  el.title = countdownText(key, seconds);
  el.dataset.state = "counting";
  el.dataset.secondsLeft = String(seconds);
  $("#btn-clear-clipboard").hidden = false;
}

export function onClipboardEvent(ev) {
  if (ev.id !== state.copyId) return;
  const el = $("#clipboard-status");
  el.dataset.state = ev.state;
  el.dataset.secondsLeft = String(ev.seconds_left);
  if (ev.state === "counting") {
    showCountdown(ev.key, ev.seconds_left);
    return;
  }
  $("#btn-clear-clipboard").hidden = true;
  state.copyId = null;
  if (ev.state === "cleared") el.textContent = `Clipboard cleared (${ev.key}).`;
  else if (ev.state === "replaced") el.textContent = "Something else was copied since; the clipboard was left alone.";
  else el.textContent = sentence(ev.message ?? "the clipboard could not be used");
}
