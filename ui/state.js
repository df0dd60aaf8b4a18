// The UI's one shared state: what the app said (info, status), what is selected and shown, and
// what is in flight. Every view reads and writes this object; the setters below are for the
// values several views set, and for what is remembered across starts (localStorage).

const CLEAR_AFTER_KEY = "simcred.clearAfter";
/** The undo window when the app's info does not tell it (the app's own is UNDO_SECONDS in Rust). */
const UNDO_FALLBACK_SECONDS = 8;

export const state = {
  info: null,
  status: null,
  selected: null,
  profile: null,
  /** The status line the detail was last drawn with (JSON), to tell when it changed. */
  detailLine: null,
  consents: null, // {profile, list, error, loading}
  copyId: null,
  /** The status read in flight (a promise), and the refresh() calls it and earlier ones cover. */
  refreshing: null,
  /** Whether a profile list has been shown since the app started. */
  listShown: false,
  refreshAsked: 0,
  refreshDone: 0,
  /** The service check in flight (a promise), and whether another was asked for meanwhile. */
  checking: null,
  checkAgain: false,
  filter: "",
  demo: [], // the sandbox's demo profiles in the store
  deleting: new Map(), // deletion id → {profile, name}: keys hidden while Undo is offered
};

/** Makes `name` (or nothing, null) the selected profile; the next redraw shows it. */
export function setSelected(name) {
  state.selected = name;
}

/** The profile list's search text. */
export function setFilter(text) {
  state.filter = text;
}

/** Seconds after which a copied key is cleared: the user's choice, else the app's default. */
export function clearAfter() {
  const v = Number(localStorage.getItem(CLEAR_AFTER_KEY));
  if (Number.isInteger(v) && v >= 1 && v <= 3600) return v;
  return state.info?.clear_after ?? 30;
}

/** Seconds a deleted key can be brought back with Undo: as the app says (app_info.undo_seconds). */
export function undoSeconds() {
  const s = state.info?.undo_seconds;
  return Number.isInteger(s) && s >= 1 ? s : UNDO_FALLBACK_SECONDS;
}

/** Remembers the user's clear-after choice (seconds). */
export function rememberClearAfter(secs) {
  // The app's own default (30 s, or SIMCRED_CLIPBOARD_CLEAR_AFTER) is not stored.
  if (secs === state.info?.clear_after) localStorage.removeItem(CLEAR_AFTER_KEY);
  else localStorage.setItem(CLEAR_AFTER_KEY, String(secs));
}
