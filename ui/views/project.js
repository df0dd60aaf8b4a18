// "Open project…": the project file (.simcred.toml) in force in a folder the user names, the
// profiles it names for each service, and how each stands (the app starts from a desktop, not
// from the project's folder, so it asks which folder).

import { call } from "../lib/api.js";
import { CMD } from "../lib/commands.js";
import { formDialog, openDialog } from "../lib/dialogs.js";
import { h } from "../lib/dom.js";
import { badgeForState, sentence, serviceName } from "../lib/model.js";
import { actions } from "./actions.js";
import { badge } from "./badges.js";
import { notifyError } from "./messages.js";

/** One profile the project names: service, profile (a button that shows it), state or problem. */
function projectRow(p, close) {
  const name = p.problem
    ? h("span", { class: "mono", "data-testid": `project-profile-${p.service}` }, p.profile)
    : h(
        "button",
        {
          type: "button",
          class: "btn btn-small btn-quiet mono",
          "data-testid": `project-profile-${p.service}`,
          "aria-label": `Show the profile ${p.profile}`,
          onclick: () => {
            close();
            actions.select(p.profile);
          },
        },
        p.profile,
      );
  return h(
    "li",
    { class: "project-entry", "data-testid": `project-entry-${p.service}`, "data-attention": String(!!p.needs_attention) },
    h("span", { class: "service-tag" }, serviceName(p.service)),
    name,
    p.store ? h("span", { class: "muted small" }, `team store ${p.store}`) : null,
    p.problem
      ? h("p", { class: "small project-problem", "data-testid": `project-problem-${p.service}`, role: "note" }, sentence(p.problem))
      : badge(badgeForState(p.state), `project-state-${p.service}`),
  );
}

/** Shows a project report: the file in force and its profiles, or why there is none. */
function showReport(r) {
  const ctx = openDialog({
    testid: "project-dialog",
    title: "Project",
    wide: true,
    body: [
      r.file
        ? h("p", {}, "Project file: ", h("span", { class: "mono", "data-testid": "project-file" }, r.file))
        : h("p", { class: "project-problem", "data-testid": "project-none", role: "note" }, sentence(r.problem)),
      r.file && r.problem ? h("p", { class: "project-problem", role: "note" }, sentence(r.problem)) : null,
      r.profiles.length
        ? h("ul", { class: "project-list", role: "list", "data-testid": "project-profiles" }, r.profiles.map((p) => projectRow(p, () => ctx.close())))
        : null,
      h("div", { class: "dialog-actions" }, h("span", { class: "spacer" }), h("button", { type: "button", class: "btn btn-primary", "data-testid": "project-close", onclick: () => ctx.close() }, "Close")),
    ],
  });
}

/** Asks for a project folder, then shows what its project file names. */
export async function openProject() {
  const report = await formDialog({
    testid: "project-form",
    title: "Open project",
    intro: "A project's .simcred.toml (in its folder or one above) names the profile to use for each service. Give the folder to see which profiles it names and whether each works.",
    fields: [
      {
        name: "folder",
        label: "Project folder",
        type: "text",
        placeholder: "/home/you/projects/wing-study",
        wide: true,
        validate: (v) => (String(v ?? "").trim() ? null : "Give the project's folder"),
      },
    ],
    submitLabel: "Open",
    onSubmit: (v) => call(CMD.projectOpen, { folder: String(v.folder).trim() }),
  }).catch((err) => {
    notifyError(err, "Could not open the project");
    return null;
  });
  if (report) showReport(report);
}
