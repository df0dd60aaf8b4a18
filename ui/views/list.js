// The profile list on the left: its groups, search filter, keyboard moves, hiding the list, and
// removing the sandbox's demo profiles.

import { call } from "../lib/api.js";
import { CMD } from "../lib/commands.js";
import { confirmDialog, focusLater } from "../lib/dialogs.js";
import { $, afterPaint, h, replace } from "../lib/dom.js";
import { errorText, groupProfiles, profileBadge, profileBadgeWithAge, serviceName, unreachableBadge } from "../lib/model.js";
import { state } from "../state.js";
import { actions } from "./actions.js";
import { badge } from "./badges.js";
import { notify } from "./messages.js";
import { keepingFocus } from "./shared.js";

const SIDEBAR_KEY = "simcred.sidebar";

/** How many profiles the first paint shows at most (more than a window's height of them); the
 * rest follow right after it, so 1,000 profiles paint about as soon as one (scripts/bench-app.sh). */
const FIRST_PAINT_ITEMS = 30;

/** Counts list draws, so the rest of a first draw is not appended to a list drawn since. */
let draws = 0;

export function renderList() {
  keepingFocus($("#profile-list"), drawList);
}

function drawList() {
  const nav = $("#profile-list");
  const all = state.status?.profiles ?? [];
  const f = state.filter.trim().toLowerCase();
  const profiles = f ? all.filter((p) => p.name.toLowerCase().includes(f) || serviceName(p.service).toLowerCase().includes(f)) : all;
  const groups = groupProfiles(profiles);
  const draw = ++draws;
  // Before the first paint, only the top of a long list; every later draw is whole (it keeps
  // the focus on whichever item had it).
  let budget = state.listShown ? Infinity : FIRST_PAINT_ITEMS;
  const later = [];
  replace(
    nav,
    groups.map((g) => {
      const now = g.profiles.slice(0, Math.max(0, budget));
      budget -= now.length;
      const ul = h("ul", { class: "group-list", role: "list" }, now.map(profileItem));
      if (now.length < g.profiles.length) later.push([ul, g.profiles.slice(now.length)]);
      return h("section", { class: "group", "data-testid": `group-${g.service}`, "aria-label": g.name }, h("h3", { class: "group-title" }, g.name), ul);
    }),
  );
  if (later.length) {
    // In a task of its own after the painted frame's (building 970 items takes tens of ms).
    const appendRest = () => {
      if (draw !== draws) return;
      for (const [ul, rest] of later) ul.append(...rest.map(profileItem));
    };
    afterPaint().then(() => setTimeout(appendRest));
  }
  if (!profiles.length) nav.append(h("p", { class: "muted pad", "data-testid": "list-empty" }, all.length ? `No profile matches “${state.filter.trim()}”.` : "No profiles yet."));
  $("#btn-remove-demo").hidden = !state.demo.length;
}

/** One profile's button in the list: its name, team store, state and any outage. */
function profileItem(p) {
  const down = unreachableBadge(p);
  return h(
    "li",
    {},
    h(
      "button",
      {
        type: "button",
        class: "profile-item",
        "data-testid": `profile-item-${p.name}`,
        "data-name": p.name,
        "aria-current": state.selected === p.name ? "true" : undefined,
        "aria-label": `${p.name}, ${serviceName(p.service)}${p.store ? `, in store ${p.store}` : ""}, ${profileBadge(p).label}${down ? ", unreachable" : ""}`,
        onclick: () => actions.select(p.name),
      },
      h("span", { class: "profile-name" }, p.name),
      p.store ? h("span", { class: "store-tag", "data-testid": `store-tag-${p.name}`, title: `Secrets in store ${p.store}` }, p.store) : null,
      badge(profileBadge(p), `badge-${p.name}`, profileBadgeWithAge(p).label),
      // An outage shows beside the last known state, here as in the detail.
      down ? badge({ kind: "unreachable", label: "unreachable" }, `list-unreachable-${p.name}`, down.label) : null,
    ),
  );
}

/** Shows or hides the profile list; remembered across starts. */
export function setSidebar(open, { remember = true } = {}) {
  $("#layout").dataset.sidebar = open ? "open" : "closed";
  const btn = $("#btn-sidebar");
  btn.setAttribute("aria-expanded", open ? "true" : "false");
  btn.setAttribute("aria-label", open ? "Hide the profile list" : "Show the profile list");
  btn.title = btn.getAttribute("aria-label");
  if (remember) localStorage.setItem(SIDEBAR_KEY, open ? "open" : "closed");
}

/** Opens or closes the profile list as it was when the app last closed. */
export function restoreSidebar() {
  setSidebar(localStorage.getItem(SIDEBAR_KEY) !== "closed", { remember: false });
}

/** Removes the sandbox's demo profiles (and their keys and tokens) after asking. */
export async function removeDemoProfiles() {
  const names = [...state.demo];
  if (!names.length) return;
  const ok = await confirmDialog({
    title: "Remove the demo profiles?",
    text: `This deletes ${names.join(" and ")}, which point at the sandbox on this computer, with their keys and tokens. Your other profiles stay.`,
    confirmLabel: "Remove demo profiles",
    danger: true,
    testid: "confirm-demo",
  });
  if (!ok) return;
  const failed = [];
  for (const n of names) {
    try {
      await call(CMD.profileRemove, { name: n });
    } catch (err) {
      failed.push(`${n} (${errorText(err)})`);
    }
  }
  if (failed.length) notify(`Could not remove the demo profile ${failed.join(", ")}`, "error");
  else notify(`Removed the demo profiles ${names.join(" and ")}.`, "success");
  focusLater("add-profile");
  await actions.refresh();
}

/** Up/Down arrows move between profiles in the list. */
export function onListKey(e) {
  if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
  const items = [...document.querySelectorAll(".profile-item")];
  const i = items.indexOf(document.activeElement);
  if (i === -1) return;
  e.preventDefault();
  const next = items[Math.min(items.length - 1, Math.max(0, i + (e.key === "ArrowDown" ? 1 : -1)))];
  next.focus();
}
