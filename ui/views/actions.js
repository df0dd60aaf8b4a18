// Hooks through which a view calls a function of a view that imports it (an action re-reads the
// status with refresh(), the list selects a profile, a key action redraws the detail) without an
// import circle: main.js wires them once, before anything is shown.

/** A hook that is not wired yet: fails loudly instead of doing nothing. */
function unwired(name) {
  return () => {
    throw new Error(`actions.${name} is not wired (see main.js)`);
  };
}

export const actions = {
  /** views/refresh.js refresh(opts): re-reads every profile's stored state and redraws. */
  refresh: unwired("refresh"),
  /** views/refresh.js select(name): selects a profile and shows its details. */
  select: unwired("select"),
  /** views/detail.js renderDetail(profile): redraws the selected profile's details. */
  renderDetail: unwired("renderDetail"),
};

/** Sets the hooks (only those `actions` names). */
export function wireActions(hooks) {
  for (const [name, fn] of Object.entries(hooks)) {
    if (!(name in actions)) throw new Error(`no hook actions.${name}`);
    actions[name] = fn;
  }
}
