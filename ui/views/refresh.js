// Reading the state and showing it: refresh() re-reads what is stored (after every action and
// every minute), checkServices() asks the services first; select() and the detail it loads.

import { call, early } from "../lib/api.js";
import { CMD } from "../lib/commands.js";
import { restoreFocus } from "../lib/dialogs.js";
import { $, afterPaint, h, replace } from "../lib/dom.js";
import { live, still } from "../lib/clock.js";
import { agoText, formatTime, groupProfiles, sentence, service, shortBackend } from "../lib/model.js";
import { setSelected, state } from "../state.js";
import { renderDetail } from "./detail.js";
import { renderList } from "./list.js";
import { notify, notifyError, reviewToast } from "./messages.js";
import { loadConsents } from "./signin.js";

/**
 * Asks each service whether the profiles' credentials work (the Refresh button, the start and
 * every CHECK_EVERY_MS), then shows the answers. Runs beside the actions: they re-read the
 * stored state meanwhile and do not wait for slow or dead servers.
 */
export async function checkServices({ quiet = false } = {}) {
  // Asked while a check runs: that one may have started before what the caller wants checked
  // existed, so one more runs after it (one for any number of such calls).
  if (state.checking) {
    state.checkAgain = true;
    return state.checking;
  }
  const btn = $("#btn-refresh");
  btn.setAttribute("aria-busy", "true");
  still($("#last-refresh"), "Checking with the services…");
  state.checking = (async () => {
    // The re-read is inside the loop: a call that comes while it runs (it may have read the
    // profiles before the caller added one) gets a whole round of its own.
    do {
      state.checkAgain = false;
      try {
        // Checks that count against a plan (Dlubal) only when a person asked (not quiet).
        await call(CMD.statusCheck, { metered: !quiet });
      } catch (err) {
        if (!quiet) notifyError(err, "Could not check with the services");
      }
      await refresh({ quiet: true });
    } while (state.checkAgain);
  })();
  try {
    await state.checking;
  } finally {
    state.checking = null;
    btn.removeAttribute("aria-busy");
  }
}

/**
 * Re-reads every profile's stored state (asks no server): after each action and every minute.
 * A call made while one runs waits for it and then for one that starts after the call, so
 * whatever the caller just changed is on screen when it returns.
 */
export async function refresh(opts = {}) {
  const asked = ++state.refreshAsked;
  while (state.refreshing) {
    await state.refreshing;
    if (state.refreshDone >= asked) return;
  }
  const covers = state.refreshAsked;
  state.refreshing = readStatus(opts);
  try {
    await state.refreshing;
  } finally {
    state.refreshing = null;
    state.refreshDone = Math.max(state.refreshDone, covers);
  }
}

async function readStatus({ quiet = false } = {}) {
  try {
    state.status = await early(CMD.status);
    state.demo = await early(CMD.demoProfiles).catch(() => []);
    const names = state.status.profiles.map((p) => p.name);
    if (state.selected && !names.includes(state.selected)) setSelected(null);
    if (!state.selected && names.length) setSelected(groupProfiles(state.status.profiles)[0].profiles[0].name);
    const empty = names.length === 0;
    $("#welcome").hidden = !empty;
    $("#layout").hidden = empty;
    renderList();
    reviewToast(state.status.profiles);
    // The status bar keeps to one line: the keyring's short name there ("Secret Service"), its
    // full name and why or where in the tooltip.
    const short = shortBackend(state.status.backend);
    const suffix = state.status.backend_error ? " — not reachable" : state.status.keyring_unchecked ? " — checking…" : "";
    $("#backend").textContent = `Keyring: ${short}${suffix}`;
    $("#backend").title = `Keyring: ${state.status.backend}${suffix}: ${state.status.backend_error ?? `profiles in ${state.status.config_file}`}`;
    // "Updated 2 min ago", live; the clock time on hover.
    const updated = new Date().toISOString();
    live($("#last-refresh"), (now) => `Updated ${agoText(updated, now)}`);
    $("#last-refresh").title = `Updated ${formatTime(updated)}`;
    if (state.status.backend_error && !quiet) notify(sentence(state.status.backend_error), "error");
    // The first time, the list is painted before the selected profile's details are asked for.
    if (!state.listShown) {
      state.listShown = true;
      await afterPaint();
    }
    if (state.selected) await loadDetail(state.selected, { quiet });
    else renderNoSelection();
  } catch (err) {
    if (!quiet) notifyError(err, "Could not refresh");
  }
}

function renderNoSelection() {
  replace($("#detail"), h("div", { class: "empty-detail" }, h("p", {}, "Choose a profile on the left, or create one.")));
}

export async function select(name) {
  setSelected(name);
  state.consents = null;
  renderList();
  await loadDetail(name);
  const heading = document.querySelector("#detail h2");
  if (heading) heading.focus();
}

async function loadDetail(name, { quiet = false } = {}) {
  try {
    const p = await call(CMD.profileShow, { name });
    // Unchanged only when both what is stored and its status line are: the detail shows both
    // (an answer recorded before the profile was read, and read into the status after, would
    // otherwise never reach the screen).
    const line = JSON.stringify(state.status?.profiles?.find((x) => x.name === name) ?? null);
    const same = state.profile && JSON.stringify(state.profile) === JSON.stringify(p) && state.detailLine === line;
    state.profile = p;
    state.detailLine = line;
    if (quiet && same && document.querySelector(`[data-profile="${CSS.escape(name)}"]`)) return;
    renderDetail(p);
    restoreFocus();
    if (service(p.service)?.sign_in?.consents && p.tokens.length && (!state.consents || state.consents.profile !== name)) {
      loadConsents(name);
    }
  } catch (err) {
    if (!quiet) notifyError(err, `Could not show ${name}`);
  }
}
