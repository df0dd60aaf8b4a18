// The selected profile's details on the right: title, badges, actions, settings, and the keys or
// sign-in cards (views/keys.js, views/signin.js).

import { $, h, replace } from "../lib/dom.js";
import { exportOptions } from "../lib/forms.js";
import { accountText, formatTime, profileBadgeWithAge, sentence, service, serviceName, settingLabel, settingsRows } from "../lib/model.js";
import { liveBadge, profileStatus, unreachableOf } from "./badges.js";
import { keysSection } from "./keys.js";
import { editProfile, exportProfile, removeProfile } from "./profiles.js";
import { keepingFocus } from "./shared.js";
import { consentsSection, signInSection } from "./signin.js";
import { startSandbox } from "./settings.js";
import { moveProfile, storedIn } from "./stores.js";
import { state } from "../state.js";

export function renderDetail(p) {
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
        st ? liveBadge((now) => profileBadgeWithAge(st, now), "detail-badge", st.checked ? `${st.state} · checked ${formatTime(st.checked)}` : st.state) : null,
        unreachableOf(st),
        // A demo profile whose sandbox is not running (it runs inside the app and stops with it):
        // one button starts it again and points the demo profiles at it.
        st?.local_server_down && state.demo.includes(p.name)
          ? h("button", { type: "button", class: "btn btn-small btn-primary", "data-testid": "detail-start-sandbox", onclick: () => startSandbox() }, "Start the sandbox")
          : null,
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
    st?.usage ? h("p", { class: "account usage", "data-testid": "detail-usage" }, sentence(st.usage)) : null,
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
