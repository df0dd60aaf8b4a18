// SimCred UI entry point (an ES module; the CSP forbids inline scripts and styles).
// Everything secret stays in the Rust backend: this page only ever receives metadata (names,
// last four characters, statuses, dates). Keys typed into password fields are sent once and
// the fields wiped; Copy happens in the backend, which only reports the countdown.

import { call, early, listen } from "./lib/api.js";
import { restoreFocus } from "./lib/dialogs.js";
import { $, afterPaint, h, replace } from "./lib/dom.js";
import { exportOptions, welcomeServices } from "./lib/forms.js";
import {
  accountText,
  formatTime,
  groupProfiles,
  profileBadgeWithAge,
  sentence,
  service,
  serviceName,
  services,
  setServices,
  settingLabel,
  settingsRows,
} from "./lib/model.js";
import { setFilter, setSelected, state } from "./state.js";
import { wireActions } from "./views/actions.js";
import { openAudit } from "./views/audit.js";
import { badge, profileStatus, unreachableOf } from "./views/badges.js";
import { keysSection, onClipboardEvent, onKeyRemoved } from "./views/keys.js";
import { onListKey, removeDemoProfiles, renderList, restoreSidebar, setSidebar } from "./views/list.js";
import { closeToast, notify, notifyError, runToastAction } from "./views/messages.js";
import { addProfile, editProfile, exportProfile, removeProfile } from "./views/profiles.js";
import { importKeys, openSettings, startSandbox } from "./views/settings.js";
import { keepingFocus } from "./views/shared.js";
import { consentsSection, loadConsents, signInSection } from "./views/signin.js";
import { moveProfile, openStores, storedIn } from "./views/stores.js";

const REFRESH_EVERY_MS = 60_000;

/** How often the app asks every service whether the credentials still work. */
const CHECK_EVERY_MS = 5 * 60_000;

/**
 * Asks each service whether the profiles' credentials work (the Refresh button, the start and
 * every CHECK_EVERY_MS), then shows the answers. Runs beside the actions: they re-read the
 * stored state meanwhile and do not wait for slow or dead servers.
 */
async function checkServices({ quiet = false } = {}) {
  // Asked while a check runs: that one may have started before what the caller wants checked
  // existed, so one more runs after it (one for any number of such calls).
  if (state.checking) {
    state.checkAgain = true;
    return state.checking;
  }
  const btn = $("#btn-refresh");
  btn.setAttribute("aria-busy", "true");
  $("#last-refresh").textContent = "Checking with the services…";
  state.checking = (async () => {
    // The re-read is inside the loop: a call that comes while it runs (it may have read the
    // profiles before the caller added one) gets a whole round of its own.
    do {
      state.checkAgain = false;
      try {
        await call("status_check");
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
async function refresh(opts = {}) {
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
    state.status = await early("status");
    state.demo = await early("demo_profiles").catch(() => []);
    const names = state.status.profiles.map((p) => p.name);
    if (state.selected && !names.includes(state.selected)) setSelected(null);
    if (!state.selected && names.length) setSelected(groupProfiles(state.status.profiles)[0].profiles[0].name);
    const empty = names.length === 0;
    $("#welcome").hidden = !empty;
    $("#layout").hidden = empty;
    renderList();
    const be = state.status.backend_error
      ? `Keyring: ${state.status.backend} — not reachable`
      : state.status.keyring_unchecked
        ? `Keyring: ${state.status.backend} — checking…`
        : `Keyring: ${state.status.backend}`;
    $("#backend").textContent = be;
    $("#backend").title = state.status.backend_error ?? state.status.config_file;
    $("#last-refresh").textContent = `Updated ${formatTime(new Date().toISOString())}`;
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

async function select(name) {
  setSelected(name);
  state.consents = null;
  renderList();
  await loadDetail(name);
  const heading = document.querySelector("#detail h2");
  if (heading) heading.focus();
}

async function loadDetail(name, { quiet = false } = {}) {
  try {
    const p = await call("profile_show", { name });
    const same = state.profile && JSON.stringify(state.profile) === JSON.stringify(p);
    state.profile = p;
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

function renderDetail(p) {
  const st = profileStatus(p.name);
  const svc = service(p.service);
  const known = (svc?.settings ?? []).map((s) => s.name);
  const policy = svc?.key_policy ?? "named";
  // The description is shown under the title, not again among the settings.
  const rows = settingsRows(p.settings, known).filter(([k]) => k !== "description");
  const sections = [
    h(
      "header",
      { class: "detail-header" },
      h(
        "div",
        { class: "detail-title" },
        h("h2", { tabindex: "-1", "data-testid": "detail-name" }, p.name),
        h("span", { class: "service-tag", "data-testid": "detail-service" }, serviceName(p.service)),
        st ? badge(profileBadgeWithAge(st), "detail-badge", st.state) : null,
        unreachableOf(st),
      ),
      h(
        "div",
        { class: "detail-actions" },
        h("button", { type: "button", class: "btn", "data-testid": "profile-edit", onclick: () => editProfile(p) }, "Edit"),
        exportOptions(svc)
          ? h("button", { type: "button", class: "btn", "data-testid": "profile-export", onclick: () => exportProfile(p) }, "Export…")
          : null,
        h("button", { type: "button", class: "btn", "data-testid": "profile-move", onclick: () => moveProfile(p) }, "Move…"),
        h("button", { type: "button", class: "btn btn-danger-quiet", "data-testid": "profile-remove", onclick: () => removeProfile(p) }, "Delete profile"),
      ),
    ),
    h("p", { class: "muted stored-in", "data-testid": "detail-store" }, storedIn(p, st)),
    accountText(st, policy) ? h("p", { class: "account", "data-testid": "detail-account" }, accountText(st, policy)) : null,
    p.settings.description ? h("p", { class: "muted description" }, p.settings.description) : null,
    st && st.problems.length
      ? h("div", { class: "problems", role: "note", "data-testid": "problems" }, st.problems.map((x) => h("p", {}, sentence(x))))
      : null,
    h(
      "section",
      { class: "card", "aria-labelledby": "settings-h" },
      h("h3", { id: "settings-h" }, "Settings"),
      rows.length
        ? h(
            "dl",
            { class: "settings", "data-testid": "settings" },
            rows.map(([k, v]) => [h("dt", {}, settingLabel(k, svc)), h("dd", { "data-testid": `setting-${k}` }, v)]),
          )
        : h("p", { class: "muted" }, "No settings: the service's defaults apply."),
    ),
  ];
  if (policy === "tokens") sections.push(signInSection(p, svc));
  else sections.push(keysSection(p, svc));
  if (svc?.sign_in?.consents) sections.push(consentsSection(p));
  keepingFocus($("#detail"), () => replace($("#detail"), h("div", { class: "detail-inner", "data-profile": p.name }, sections)));
}

/** Sets the performance mark `simcred:painted` once the first profile list (or, with no profiles,
 * the welcome screen) has been painted: in a timer queued by the animation frame that shows it.
 * scripts/bench-app.sh measures start-up with it. */
function markListPainted() {
  const mark = () => requestAnimationFrame(() => setTimeout(() => performance.mark("simcred:painted")));
  const observers = [];
  const shown = () => {
    observers.forEach((o) => o.disconnect());
    mark();
  };
  observers.push(new MutationObserver(shown), new MutationObserver(() => !$("#welcome").hidden && shown()));
  observers[0].observe($("#profile-list"), { childList: true });
  observers[1].observe($("#welcome"), { attributes: true, attributeFilter: ["hidden"] });
}

async function init() {
  wireActions({ refresh, select, renderDetail });
  $("#btn-refresh").addEventListener("click", () => checkServices());
  $("#btn-add-profile").addEventListener("click", () => addProfile());
  $("#btn-import").addEventListener("click", importKeys);
  $("#btn-audit").addEventListener("click", openAudit);
  $("#btn-settings").addEventListener("click", openSettings);
  $("#btn-sandbox").addEventListener("click", startSandbox);
  $("#welcome-import").addEventListener("click", importKeys);
  $("#welcome-sandbox").addEventListener("click", startSandbox);
  $("#welcome-add-profile").addEventListener("click", () => addProfile());
  $("#toast-close").addEventListener("click", closeToast);
  $("#toast-action").addEventListener("click", runToastAction);
  $("#btn-sidebar").addEventListener("click", () => setSidebar($("#layout").dataset.sidebar === "closed"));
  restoreSidebar();
  $("#profile-filter").addEventListener("input", (e) => {
    setFilter(e.target.value);
    renderList();
  });
  $("#btn-remove-demo").addEventListener("click", removeDemoProfiles);
  $("#btn-stores").addEventListener("click", openStores);
  $("#btn-clear-clipboard").addEventListener("click", () => call("clipboard_clear").catch((err) => notifyError(err, "Could not clear the clipboard")));
  $("#profile-list").addEventListener("keydown", onListKey);
  document.addEventListener("keydown", (e) => {
    // Escape closes the message (an open dialog takes Escape for itself).
    if (e.key === "Escape" && !document.querySelector("dialog[open]") && !$("#toast").hidden) {
      e.preventDefault();
      closeToast();
      return;
    }
    if ((e.key === "F5" || (e.ctrlKey && e.key === "r")) && !document.querySelector("dialog[open]")) {
      e.preventDefault();
      checkServices();
    }
  });
  markListPainted();
  try {
    state.info = await early("app_info");
    setServices(state.info.services);
    $("#app-version").textContent = `${state.info.name} ${state.info.version}`;
    const names = welcomeServices(services());
    if (names) $("#welcome-services").textContent = names;
  } catch (err) {
    state.info = { clear_after: 30, services: [] };
    setServices([]);
    notifyError(err, "Could not start the app");
  }
  await refresh();
  // No app event can come before the list is shown: nothing is asked before it is painted.
  await Promise.all([listen("clipboard", onClipboardEvent), listen("key-removed", onKeyRemoved)]).catch(notifyError);
  // The first list came with the page, read without asking the keyring: now the whole status.
  if (state.status?.keyring_unchecked) await refresh();
  document.body.dataset.ready = "true";
  setInterval(() => refresh({ quiet: true }), REFRESH_EVERY_MS);
  // Ask the services once the window shows what is stored, then every few minutes.
  if (state.status?.profiles?.length) checkServices({ quiet: true });
  setInterval(() => checkServices({ quiet: true }), CHECK_EVERY_MS);
}

init();
