// ui/lib/clock.js: a live time is reworded at every tick from the time it rests on.
import { test } from "node:test";
import assert from "node:assert/strict";
import { live, still, tick } from "../lib/clock.js";
import { agoText, profileBadgeWithAge, relativeTime } from "../lib/model.js";

const el = () => ({ textContent: "", dataset: {} });

test("a live 'checked … ago' moves as time passes, and only registered elements change", () => {
  const t0 = Date.parse("2026-12-04T12:00:00Z");
  const checked = new Date(t0 - 45_000).toISOString();
  const st = { condition: { kind: "key", status: "valid" }, checked };
  const badge = live(el(), (now) => profileBadgeWithAge(st, now).label, t0);
  const other = el();
  other.textContent = "fixed";
  assert.equal(badge.textContent, "valid · checked 45 s ago");
  assert.equal(tick([badge, other], t0 + 20_000), 1);
  assert.equal(badge.textContent, "valid · checked 1 min ago");
  assert.equal(other.textContent, "fixed");
  assert.equal(tick([badge], t0 + 20_000), 0, "no rewrite when the words are the same");
  const expires = live(el(), (now) => `(${relativeTime(new Date(t0 + 300_000).toISOString(), now)})`, t0);
  assert.equal(expires.textContent, "(in 5 min)");
  tick([expires], t0 + 240_000);
  assert.equal(expires.textContent, "(in 1 min)");
  const gone = live(el(), (now) => `unreachable · ${agoText(new Date(t0).toISOString(), now)}`, t0);
  assert.equal(gone.textContent, "unreachable · just now");
  tick([gone], t0 + 125_000);
  assert.equal(gone.textContent, "unreachable · 2 min ago");
});

test("an element made still is no longer reworded", () => {
  const t0 = Date.parse("2026-12-04T12:00:00Z");
  const e = live(el(), (now) => `Updated ${agoText(new Date(t0).toISOString(), now)}`, t0);
  assert.equal(e.textContent, "Updated just now");
  still(e, "Checking with the services…");
  assert.equal(tick([e], t0 + 120_000), 0);
  assert.equal(e.textContent, "Checking with the services…");
  assert.equal("live" in e.dataset, false);
});
