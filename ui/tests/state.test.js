// ui/state.js: the undo window comes from the app's info (Rust's UNDO_SECONDS), with a fallback
// only when the info lacks it; the selection and filter setters.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setFilter, setSelected, state, undoSeconds } from "../state.js";

test("the undo window is the app's, else the fallback", () => {
  state.info = { undo_seconds: 5 };
  assert.equal(undoSeconds(), 5);
  for (const info of [null, {}, { undo_seconds: 0 }, { undo_seconds: "8" }, { undo_seconds: 2.5 }]) {
    state.info = info;
    assert.equal(undoSeconds(), 8, JSON.stringify(info));
  }
  state.info = null;
});

test("setters change the shared state", () => {
  setSelected("work");
  setFilter("wo");
  assert.equal(state.selected, "work");
  assert.equal(state.filter, "wo");
  setSelected(null);
  setFilter("");
});
