// The sign-in and consents cards of a profile and their actions: browser (device) and password
// login, offline tokens, logout, and revoking a client's consent.

import { call } from "../lib/api.js";
import { CMD } from "../lib/commands.js";
import { confirmDialog, formDialog, openDialog } from "../lib/dialogs.js";
import { h, replace } from "../lib/dom.js";
import { live } from "../lib/clock.js";
import { errorText, formatTime, isOfflineToken, needsAttention, relativeTime, sentence, service, tokenBadge, tokenLastUsed, tokenRows } from "../lib/model.js";
import { state } from "../state.js";
import { actions } from "./actions.js";
import { badge } from "./badges.js";
import { notify, notifyError } from "./messages.js";
import { keepingFocus, timeCell } from "./shared.js";

export function signInSection(p, svc) {
  const ways = svc?.sign_in ?? { device: false, password: false, offline: false };
  const tokens = tokenRows(p, svc?.sign_in?.clients ?? []);
  const signedIn = tokens.some((t) => isOfflineToken(t.name) || t.name === "session");
  const header = h(
    "div",
    { class: "card-header" },
    h("h3", { id: "signin-h" }, "Sign-in"),
    h(
      "div",
      { class: "card-actions" },
      ways.device ? h("button", { type: "button", class: "btn btn-primary", "data-testid": "login-browser", onclick: () => deviceLogin(p, false) }, "Log in with browser") : null,
      ways.password ? h("button", { type: "button", class: ways.device ? "btn" : "btn btn-primary", "data-testid": "login-password", onclick: () => passwordLogin(p, false) }, "Log in with password") : null,
      ways.offline ? h("button", { type: "button", class: "btn", "data-testid": "offline-token", onclick: () => offlineToken(p, ways) }, "Generate offline token") : null,
      signedIn ? h("button", { type: "button", class: "btn btn-danger-quiet", "data-testid": "logout", onclick: () => logout(p) }, "Log out") : null,
    ),
  );
  const body = tokens.length
    ? h(
        "table",
        { class: "table", "data-testid": "tokens-table" },
        h("thead", {}, h("tr", {}, ["Token", "Status", "Created", "Last used", "Expires", "Details"].map((c) => h("th", { scope: "col" }, c)))),
        h(
          "tbody",
          {},
          tokens.map((t) =>
            h(
              "tr",
              { "data-testid": `token-row-${t.name}` },
              // The client id (a long dotted name) on a line of its own that may break, so a
              // narrow window does not scroll sideways for it.
              h("td", { "data-label": "Token" }, t.client && t.label.includes("(client ") ? h("span", {}, ["Offline token", h("br"), h("span", { class: "muted small client-id" }, `client ${t.client}`)]) : t.label),
              h("td", { "data-label": "Status" }, badge(tokenBadge(t), `token-status-${t.name}`, t.status)),
              h("td", { class: "small", "data-label": "Created" }, t.name === "access" ? "—" : timeCell(t.created)),
              h("td", { class: "small", "data-label": "Last used", "data-testid": `token-used-${t.name}` }, timeCell(tokenLastUsed(t, consentsOf(p)))),
              h("td", { class: "expires-cell", "data-label": "Expires" }, expiresCell(t)),
              h("td", { class: "muted wrap-cell", "data-label": t.detail ? "Details" : "" }, t.detail ?? ""),
            ),
          ),
        ),
      )
    : h("p", { class: "muted", "data-testid": "signed-out-note" }, signedOutNote(ways));
  return h("section", { class: "card", "aria-labelledby": "signin-h", "data-testid": "signin" }, header, h("div", { class: "table-wrap" }, body));
}

/** The consents loaded for profile `p`, or null while there are none. */
function consentsOf(p) {
  const c = state.consents;
  return c && c.profile === p.name && !c.loading && !c.error ? c.list : null;
}

/** When a token expires: the time and how far off (live), "never (until revoked)" for a working
 * offline token, "—" for one that no longer works. */
function expiresCell(t) {
  if (!t.expires) return isOfflineToken(t.name) && !needsAttention(tokenBadge(t).kind) ? "never (until revoked)" : "—";
  // One value for the cell (its stacked form has a label column and a value column).
  return h("span", {}, [h("span", { class: "nowrap" }, formatTime(t.expires)), " ", live(h("span", { class: "nowrap muted" }), (now) => `(${relativeTime(t.expires, now)})`)]);
}

/** What the sign-in card says before the first sign-in, naming only the ways the service has. */
function signedOutNote(ways) {
  const how = [ways.device ? "with the browser (single sign-on)" : null, ways.password ? "with your password" : null].filter(Boolean);
  let s = how.length ? `Not signed in. Log in ${how.join(" or ")}` : "Not signed in";
  if (ways.offline) s += "; an offline token lets scripts work without signing in again";
  return s + ".";
}

export function consentsSection(p) {
  const c = state.consents && state.consents.profile === p.name ? state.consents : null;
  let body;
  if (!p.tokens.length) body = h("p", { class: "muted" }, "Sign in to see which clients hold offline tokens for your account.");
  else if (!c || c.loading) body = h("p", { class: "muted", "data-testid": "consents-loading" }, h("span", { class: "spinner", "aria-hidden": "true" }), " Loading consents…");
  else if (c.error) body = h("p", { class: "dialog-error", role: "alert", "data-testid": "consents-error" }, c.error);
  else if (!c.list.length) body = h("p", { class: "muted", "data-testid": "consents-empty" }, "No consents: no client holds an offline token for this account.");
  else
    body = h(
      "table",
      { class: "table", "data-testid": "consents-table" },
      h("thead", {}, h("tr", {}, ["Client", "Scopes", "Created", "Last used", ""].map((x) => h("th", { scope: "col" }, x)))),
      h(
        "tbody",
        {},
        c.list.map((x) =>
          h(
            "tr",
            { "data-testid": `consent-row-${x.client_id}` },
            h("td", { "data-label": "Client" }, h("span", {}, h("span", { class: "mono" }, x.client_id), x.stored_here ? [" ", h("span", { class: "default-mark" }, "SimCred's token")] : null)),
            h("td", { class: "wrap-cell", "data-label": "Scopes" }, (x.granted_scopes ?? []).join(" ")),
            h("td", { class: "small", "data-label": "Created" }, timeCell(x.created_date)),
            h("td", { class: "small", "data-label": "Last used" }, timeCell(x.last_updated_date)),
            h(
              "td",
              { class: "actions-cell" },
              h("button", { type: "button", class: "btn btn-small btn-danger-quiet", "data-testid": `consent-revoke-${x.client_id}`, "aria-label": `Revoke the consent of ${x.client_id}`, onclick: () => revokeConsent(p, x) }, "Revoke"),
            ),
          ),
        ),
      ),
    );
  return h(
    "section",
    { class: "card", "aria-labelledby": "consents-h", "data-testid": "consents" },
    h(
      "div",
      { class: "card-header" },
      h("h3", { id: "consents-h" }, "Consents"),
      h("div", { class: "card-actions" }, p.tokens.length ? h("button", { type: "button", class: "btn", "data-testid": "consents-refresh", onclick: () => loadConsents(p.name) }, "Reload") : null),
    ),
    h("p", { class: "small muted" }, "Clients that hold an offline token for your account. Revoking one makes its offline tokens stop working."),
    h("div", { class: "table-wrap" }, body),
  );
}

/** Redraws the consents card, and the token rows' "Last used" cells, which come from the
 * consents too (the rest of the detail stays put). */
function redrawConsents(name) {
  if (state.profile?.name !== name) return;
  const old = document.querySelector('[data-testid="consents"]');
  if (!old) return actions.renderDetail(state.profile);
  keepingFocus(old.parentElement, () => old.replaceWith(consentsSection(state.profile)));
  const p = state.profile;
  for (const t of tokenRows(p, service(p.service)?.sign_in?.clients ?? [])) {
    const cell = document.querySelector(`[data-testid="token-used-${CSS.escape(t.name)}"]`);
    if (cell) replace(cell, timeCell(tokenLastUsed(t, consentsOf(p))));
  }
}

export async function loadConsents(name) {
  state.consents = { profile: name, list: [], error: null, loading: true };
  redrawConsents(name);
  try {
    const list = await call(CMD.consentsList, { profile: name });
    state.consents = { profile: name, list, error: null, loading: false };
  } catch (err) {
    state.consents = { profile: name, list: [], error: errorText(err), loading: false };
  }
  redrawConsents(name);
}

/** The device-login dialog: code, Copy code, Open browser, progress while polling, Cancel. */
async function deviceLogin(p, offline) {
  let start;
  try {
    start = await call(CMD.deviceLoginStart, { profile: p.name, offline, open_browser: true });
  } catch (err) {
    notifyError(err, `Could not start signing in to ${p.name}`);
    return;
  }
  showDeviceDialog(p, start);
}

function showDeviceDialog(p, start) {
  let done = false;
  const statusEl = h("p", { class: "device-status", "data-testid": "device-status", "data-state": "waiting", role: "status" }, h("span", { class: "spinner", "aria-hidden": "true" }), " Waiting for you to approve in the browser…");
  const cancel = h("button", { type: "button", class: "btn", "data-testid": "device-cancel" }, "Cancel");
  const copyCode = h("button", { type: "button", class: "btn", "data-testid": "device-copy-code", "aria-label": "Copy the code" }, "Copy code");
  const openBtn = h("button", { type: "button", class: "btn btn-primary", "data-testid": "device-open-browser" }, "Open browser");
  const codeEl = h("div", { class: "device-code", "data-testid": "device-code", "aria-label": `Your code: ${start.user_code.split("").join(" ")}` }, start.user_code);
  const ctx = openDialog({
    testid: "device-dialog",
    title: start.offline ? `Offline token for ${p.name}` : `Log in to ${p.name}`,
    body: [
      h("p", {}, start.browser_opened ? "Your browser opened the sign-in page. Check that it shows this code, then approve:" : "Open the sign-in page in a browser (on any device), check that it shows this code, then approve:"),
      codeEl,
      h("p", { class: "small muted url" }, h("span", {}, "Page: "), h("span", { class: "mono", "data-testid": "device-url" }, start.verification_uri)),
      (start.refused_urls ?? []).length
        ? h("p", { class: "small warning", role: "alert", "data-testid": "device-refused" }, `Not opened: the identity provider sent an address that is not a web page (${start.refused_urls.join(", ")}). Be wary of this identity provider.`)
        : null,
      h("div", { class: "device-buttons" }, start.browser_url ? openBtn : null, copyCode),
      statusEl,
      h("div", { class: "dialog-actions" }, h("span", { class: "spacer" }), cancel),
    ],
    onClose: () => {
      if (!done) call(CMD.deviceLoginCancel, { id: start.id }).catch(() => {});
    },
  });
  openBtn.addEventListener("click", async () => {
    try {
      const opened = await call(CMD.deviceLoginOpen, { id: start.id });
      if (!opened) notify(`Open ${start.verification_uri} in your browser.`, "info");
    } catch (err) {
      ctx.showError(errorText(err));
    }
  });
  copyCode.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(start.user_code);
      copyCode.textContent = "Copied";
    } catch {
      const r = document.createRange();
      r.selectNodeContents(codeEl);
      const sel = getSelection();
      sel.removeAllRanges();
      sel.addRange(r);
      copyCode.textContent = "Selected: press Ctrl+C";
    }
  });
  cancel.addEventListener("click", () => ctx.close());
  cancel.focus();
  call(CMD.deviceLoginWait, { id: start.id }).then(
    async (signin) => {
      done = true;
      statusEl.dataset.state = "success";
      replace(statusEl, h("span", { class: "ok-mark", "aria-hidden": "true" }, "✓ "), signedInText(signin));
      cancel.textContent = "Close";
      openBtn.disabled = true;
      copyCode.disabled = true;
      cancel.focus();
      await actions.refresh({ quiet: true });
      if (state.selected === p.name && service(p.service)?.sign_in?.consents) loadConsents(p.name);
    },
    (err) => {
      done = true;
      if (err.code === "cancelled") return;
      statusEl.dataset.state = "error";
      replace(statusEl, errorText(err));
      cancel.textContent = "Close";
      openBtn.disabled = true;
      copyCode.disabled = true;
      // A new code and a new wait, in a fresh dialog; focus goes there.
      const again = h("button", { type: "button", class: "btn btn-primary", "data-testid": "device-try-again" }, "Try again");
      again.addEventListener("click", () => {
        done = true;
        ctx.close();
        deviceLogin(p, !!start.offline);
      });
      cancel.before(again);
      again.focus();
    },
  );
}

function signedInText(s) {
  const parts = [`Signed in to ${s.profile}`];
  if (s.offline_token) parts.push("the offline token is in your keyring");
  if (s.access_expires) parts.push(`access token valid until ${formatTime(s.access_expires)}`);
  return parts.join("; ") + ".";
}

async function passwordLogin(p, offline) {
  const r = await formDialog({
    testid: "password-form",
    title: offline ? `Offline token for ${p.name}` : `Log in to ${p.name}`,
    intro: offline ? "Signs in asking for offline access and keeps the offline token in your keyring." : null,
    fields: [
      { name: "username", label: "User name", required: true, value: p.settings.username ?? "", autocomplete: "username", validate: (v) => (String(v ?? "").trim() ? null : "The user name is empty.") },
      { name: "password", label: "Password", type: "password", required: true, autocomplete: "current-password", validate: (v) => (String(v ?? "") ? null : "The password is empty.") },
      { name: "totp", label: "One-time code (TOTP)", type: "password", inputmode: "numeric", autocomplete: "one-time-code", help: "Leave empty if your account has no two-factor authentication." },
      { name: "offline", label: "Keep an offline token (scripts keep working without signing in again)", type: "checkbox", value: offline },
      { name: "remember_username", label: "Remember the user name in this profile", type: "checkbox", value: !!p.settings.username },
    ],
    submitLabel: "Log in",
    onSubmit: async (v) =>
      await call(CMD.passwordLogin, {
        profile: p.name,
        username: v.username,
        password: v.password,
        totp: v.totp ? v.totp : null,
        offline: !!v.offline,
        remember_username: !!v.remember_username,
      }),
  });
  if (r) {
    notify(signedInText(r), "success");
    await actions.refresh();
    if (service(p.service)?.sign_in?.consents) loadConsents(p.name);
  }
}

async function offlineToken(p, ways) {
  // Only one way to sign in: no need to ask which.
  const only = ways.device && !ways.password ? "browser" : ways.password && !ways.device ? "password" : null;
  const choice = only ?? (await new Promise((resolve) => {
    let picked = null;
    const viaBrowser = h("button", { type: "button", class: "btn btn-primary", "data-testid": "offline-browser" }, "Use the browser");
    const viaPassword = h("button", { type: "button", class: "btn", "data-testid": "offline-password" }, "Use my password");
    const cancel = h("button", { type: "button", class: "btn", "data-testid": "offline-cancel" }, "Cancel");
    const ctx = openDialog({
      testid: "offline-dialog",
      title: `Generate an offline token for ${p.name}`,
      body: [
        h("p", {}, "An offline token lets scripts and the vendor's SDK get access tokens without signing in again, until you revoke it. SimCred keeps it in your keyring."),
        h("div", { class: "dialog-actions" }, cancel, h("span", { class: "spacer" }), viaPassword, viaBrowser),
      ],
      onClose: () => resolve(picked),
    });
    viaBrowser.addEventListener("click", () => {
      picked = "browser";
      ctx.close();
    });
    viaPassword.addEventListener("click", () => {
      picked = "password";
      ctx.close();
    });
    cancel.addEventListener("click", () => ctx.close());
    viaBrowser.focus();
  }));
  if (choice === "password") return passwordLogin(p, true);
  if (choice !== "browser") return;
  try {
    const r = await call(CMD.offlineToken, { profile: p.name, open_browser: true });
    if (r.kind === "device") showDeviceDialog(p, r);
    else {
      notify(signedInText(r), "success");
      await actions.refresh();
    }
  } catch (err) {
    notifyError(err, `Could not generate an offline token for ${p.name}`);
  }
}

async function logout(p) {
  const ok = await confirmDialog({
    title: `Log out of ${p.name}?`,
    text: "SimCred revokes the stored tokens at the identity provider and deletes them from your keyring. Scripts using them stop working.",
    confirmLabel: "Log out",
    danger: true,
  });
  if (!ok) return;
  try {
    const r = await call(CMD.logout, { profile: p.name });
    state.consents = null;
    const remote = r.remote_error ? ` The identity provider could not be told: ${r.remote_error}` : r.revoked_remotely ? " The tokens were revoked at the identity provider." : "";
    notify(sentence(`Signed out of ${p.name}.${remote}`), r.remote_error ? "error" : "success");
    await actions.refresh();
  } catch (err) {
    notifyError(err, `Could not log out of ${p.name}`);
  }
}

async function revokeConsent(p, c) {
  const ok = await confirmDialog({
    title: `Revoke ${c.client_id}?`,
    text: `The offline tokens of ${c.client_id} stop working${c.stored_here ? ", including the one SimCred keeps for this profile" : ""}. Scripts using them will need a new token.`,
    confirmLabel: "Revoke",
    danger: true,
  });
  if (!ok) return;
  try {
    const mine = await call(CMD.consentRevoke, { profile: p.name, client_id: c.client_id });
    notify(`Revoked the consent of ${c.client_id}.${mine ? ` SimCred's offline token of client ${c.client_id} for this profile was deleted (its other clients' tokens are kept); generate a new one when you need it.` : ""}`, "success");
    state.consents = null;
    await actions.refresh({ quiet: true });
    await loadConsents(p.name);
  } catch (err) {
    notifyError(err, `Could not revoke the consent of ${c.client_id}`);
  }
}
