// Badges: a {kind, label} from lib/model.js as an element, and the status a badge is made from.

import { live } from "../lib/clock.js";
import { h } from "../lib/dom.js";
import { formatTime, unreachableBadge } from "../lib/model.js";
import { state } from "../state.js";

/** A badge element from a {kind, label} (model.js), with the core's own words as its tooltip. */
export function badge(b, testid, title) {
  return h("span", { class: `badge badge-${b.kind}`, "data-kind": b.kind, "data-testid": testid, title: title ?? b.label }, b.label);
}

export function profileStatus(name) {
  return state.status?.profiles?.find((p) => p.name === name) ?? null;
}

/**
 * A badge whose words carry an age ("valid · checked 2 min ago"): `make(now)` gives the
 * {kind, label}, reworded as time passes (lib/clock.js); the tooltip holds the absolute time.
 */
export function liveBadge(make, testid, title) {
  return live(badge(make(Date.now()), testid, title), (now) => make(now).label);
}

/** The "unreachable · 1 min ago" badge beside a profile's own state, or null. */
export function unreachableOf(st) {
  const u = unreachableBadge(st);
  if (!u) return null;
  const when = `last asked ${formatTime(st.unreachable)}`;
  return liveBadge((now) => unreachableBadge(st, now), "detail-unreachable", u.detail ? `The service did not answer (${when}): ${u.detail}` : `No answer (${when})`);
}
