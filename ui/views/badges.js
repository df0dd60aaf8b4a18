// Badges: a {kind, label} from lib/model.js as an element, and the status a badge is made from.

import { h } from "../lib/dom.js";
import { unreachableBadge } from "../lib/model.js";
import { state } from "../state.js";

/** A badge element from a {kind, label} (model.js), with the core's own words as its tooltip. */
export function badge(b, testid, title) {
  return h("span", { class: `badge badge-${b.kind}`, "data-kind": b.kind, "data-testid": testid, title: title ?? b.label }, b.label);
}

export function profileStatus(name) {
  return state.status?.profiles?.find((p) => p.name === name) ?? null;
}

/** The "unreachable · 1 min ago" badge beside a profile's own state, or null. */
export function unreachableOf(st) {
  const u = unreachableBadge(st);
  return u ? badge(u, "detail-unreachable", u.detail ? `The service did not answer: ${u.detail}` : u.label) : null;
}
