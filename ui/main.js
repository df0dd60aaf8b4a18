// SimCred UI entry point (an ES module; the CSP forbids inline scripts and styles).
// Everything secret stays in the Rust backend: this page only ever receives metadata (names,
// last four characters, statuses, dates). Keys typed into password fields are sent once and
// the fields wiped; Copy happens in the backend, which only reports the countdown.
//
// The views are in views/ (one module per part of the window), over the shared state in
// state.js; this module wires their buttons and events, loads the first screen and starts the
// timers.

import { call, early, listen } from "./lib/api.js";
import { startClock } from "./lib/clock.js";
import { CMD } from "./lib/commands.js";
import { $ } from "./lib/dom.js";
import { welcomeServices } from "./lib/forms.js";
import { services, setServices } from "./lib/model.js";
import { setFilter, state } from "./state.js";
import { wireActions } from "./views/actions.js";
import { openAudit } from "./views/audit.js";
import { openProject } from "./views/project.js";
import { renderDetail } from "./views/detail.js";
import { onClipboardEvent, onKeyRemoved } from "./views/keys.js";
import { onListKey, removeDemoProfiles, renderList, restoreSidebar, setSidebar } from "./views/list.js";
import { closeToast, notifyError, runToastAction } from "./views/messages.js";
import { addProfile } from "./views/profiles.js";
import { checkServices, refresh, select } from "./views/refresh.js";
import { importKeys, openSettings, startSandbox } from "./views/settings.js";
import { openStores } from "./views/stores.js";

const REFRESH_EVERY_MS = 60_000;

/** How often the app asks every service whether the credentials still work. */
const CHECK_EVERY_MS = 5 * 60_000;

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
  $("#btn-project").addEventListener("click", openProject);
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
  $("#btn-clear-clipboard").addEventListener("click", () => call(CMD.clipboardClear).catch((err) => notifyError(err, "Could not clear the clipboard")));
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
    state.info = await early(CMD.appInfo);
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
  startClock();
}

init();
