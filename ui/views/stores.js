// Stores: the Stores dialog (this computer's keyring and each team vault or kernel keyring, with
// log in, log out, add, remove), moving a profile between stores, and where a profile is kept.

import { call } from "../lib/api.js";
import { CMD } from "../lib/commands.js";
import { confirmDialog, formDialog, openDialog } from "../lib/dialogs.js";
import { h, replace } from "../lib/dom.js";
import { errorText, sentence } from "../lib/model.js";
import { validateName } from "../lib/validate.js";
import { state } from "../state.js";
import { actions } from "./actions.js";
import { notify, notifyError } from "./messages.js";

/** Where a profile's secrets are, in a sentence (and what the kernel keyring does not keep). */
export function storedIn(p, st) {
  if (!p.store) return "Stored in this computer's keyring.";
  if (st?.survives) return `Secrets in store ${p.store}: ${st.survives}.`;
  return `Stored in team store ${p.store}: settings, keys and history live there, shared with whoever the store lets in.`;
}
const STORE_KINDS = [
  { value: "openbao", label: "OpenBao server (team vault)" },
  { value: "vault", label: "HashiCorp Vault server (team vault)" },
  { value: "kernel", label: "This user's Linux kernel keyring (no desktop needed; lost at reboot)" },
];

function storeKindName(kind) {
  return { openbao: "OpenBao", vault: "Vault", kernel: "Kernel keyring" }[kind] ?? kind;
}

/** One store's state in a sentence. */
function storeStateText(s) {
  // Without a token the core's sentence names VAULT_TOKEN (for the command line): not here.
  if (s.kind !== "kernel" && !s.token && s.token_from === "none") return "Not logged in.";
  if (s.problem) return sentence(s.problem);
  if (s.survives) return `Secrets ${s.survives}.`;
  if (s.token) {
    const left = s.token.ttl === 0 ? "no expiry" : `${Math.max(1, Math.round(s.token.ttl / 60))} min left`;
    return `Logged in as ${s.token.display_name || "(unnamed)"} (${left}).`;
  }
  return s.token_from === "none" ? "Not logged in." : "Logged in.";
}

function storeRow(s, ctx) {
  const team = s.kind !== "kernel";
  const loggedIn = team && (s.token || s.token_from !== "none");
  const id = `store-${s.name}`;
  return h(
    "li",
    { class: "store-row", "data-testid": id },
    h(
      "div",
      { class: "store-main" },
      h("strong", {}, s.name),
      h("span", { class: "service-tag" }, storeKindName(s.kind)),
      s.addr ? h("span", { class: "muted mono small" }, s.addr) : null,
      h("p", { class: s.problem ? "store-state problem" : "store-state", "data-testid": `${id}-state` }, storeStateText(s)),
      h("p", { class: "muted small" }, s.profiles.length ? `Profiles: ${s.profiles.join(", ")}` : "No profiles yet."),
    ),
    h(
      "div",
      { class: "store-actions" },
      team && !loggedIn ? h("button", { type: "button", class: "btn btn-primary", "data-testid": `${id}-login`, onclick: () => storeLogin(s, ctx) }, "Log in…") : null,
      team && loggedIn ? h("button", { type: "button", class: "btn", "data-testid": `${id}-logout`, onclick: () => storeLogout(s, ctx) }, "Log out") : null,
      h("button", { type: "button", class: "btn btn-danger-quiet", "data-testid": `${id}-remove`, onclick: () => storeRemove(s, ctx) }, "Remove"),
    ),
  );
}

/** The Stores dialog: this computer's keyring and each configured store, with their actions. */
export async function openStores() {
  const list = h("ul", { class: "store-list", role: "list", "data-testid": "stores-list" }, h("li", { class: "muted" }, "Asking the stores…"));
  const add = h("button", { type: "button", class: "btn", "data-testid": "stores-add" }, "Add store…");
  const close = h("button", { type: "button", class: "btn btn-primary", "data-testid": "stores-close" }, "Close");
  const ctx = openDialog({
    testid: "stores-dialog",
    title: "Stores",
    body: [
      h("p", { class: "muted" }, "Where secrets are kept. Profiles live in this computer's keyring unless they are in a store."),
      list,
      h("div", { class: "dialog-actions" }, add, h("span", { class: "spacer" }), close),
    ],
  });
  ctx.reload = async () => {
    try {
      const stores = await call(CMD.storeList, { ask: true });
      replace(
        list,
        h("li", { class: "store-row", "data-testid": "store-keyring" }, h("div", { class: "store-main" }, h("strong", {}, "This computer's keyring"), h("p", { class: "store-state" }, state.status?.backend ?? ""))),
        stores.map((s) => storeRow(s, ctx)),
      );
    } catch (err) {
      replace(list, h("li", { class: "store-state problem", role: "alert" }, errorText(err)));
    }
  };
  add.addEventListener("click", () => storeAdd(ctx));
  close.addEventListener("click", () => ctx.close());
  close.focus();
  await ctx.reload();
}

async function storeAdd(ctx) {
  const done = await formDialog({
    testid: "store-form",
    title: "Add a store",
    fields: [
      { name: "name", label: "Name", placeholder: "acme", validate: (v) => validateName("store", String(v ?? "").trim()) },
      { name: "kind", label: "Kind", type: "select", value: "openbao", options: STORE_KINDS },
      { name: "addr", label: "Address", type: "url", placeholder: "https://bao.example.com:8200", help: "A team vault's address (not for the kernel keyring)." },
      { name: "prefix", label: "Path for this team", placeholder: "simcred", help: "Under the KV v2 mount; one policy on it grants the team." },
      { name: "mount", label: "KV v2 mount", placeholder: "secret", group: "More" },
      { name: "ca_bundle", label: "CA bundle (PEM file)", placeholder: "/etc/ssl/acme-ca.pem", group: "More" },
    ],
    submitLabel: "Add store",
    onSubmit: async (v) => {
      const kernel = v.kind === "kernel";
      if (!kernel && !v.addr.trim()) throw { code: "invalid", message: "Enter the vault's address.", fields: [{ name: "addr", message: "Enter the vault's address." }] };
      await call(CMD.storeAdd, {
        store: { name: v.name, kind: v.kind, addr: kernel ? null : v.addr, prefix: kernel ? null : v.prefix, mount: kernel ? null : v.mount, ca_bundle: kernel ? null : v.ca_bundle },
      });
      return v;
    },
  });
  if (done) {
    notify(`Added store ${done.name.trim()}.`, "success");
    await ctx.reload();
  }
}

async function storeLogin(s, ctx) {
  const name = s.name;
  const info = await formDialog({
    testid: "store-login",
    title: `Log in to ${name}`,
    intro: "With a user name and password (the vault's userpass login), or leave the user name empty and paste a token.",
    fields: [
      { name: "username", label: "User name", autocomplete: "username" },
      { name: "secret", label: "Password or token", type: "password", autocomplete: "current-password", validate: (v) => (v.trim() ? null : "Enter the password or the token.") },
    ],
    submitLabel: "Log in",
    onSubmit: async (v) => call(CMD.storeLogin, { name, username: v.username || null, secret: v.secret }),
  });
  if (info) {
    notify(`Logged in to ${name} as ${info.display_name || "(unnamed)"}; the token is kept in this computer's keyring.`, "success");
    await ctx.reload();
    await actions.refresh();
  }
}

async function storeLogout(s, ctx) {
  const name = s.name;
  try {
    const revoked = await call(CMD.storeLogout, { name });
    notify(revoked ? `Logged out of ${name}: the token was revoked.` : `Logged out of ${name}: the token is forgotten here.`, "success");
  } catch (err) {
    notifyError(err, `Could not log out of ${name}`);
  }
  await ctx.reload();
  await actions.refresh();
}

async function storeRemove(s, ctx) {
  const name = s.name;
  const ok = await confirmDialog({
    testid: "confirm-store",
    title: `Remove store ${name}?`,
    text: `SimCred forgets the store ${name} and its token on this computer. Nothing in the store is deleted.`,
    confirmLabel: "Remove store",
    danger: true,
  });
  if (!ok) return;
  try {
    await call(CMD.storeRemove, { name });
    notify(`Removed store ${name}.`, "success");
  } catch (err) {
    notifyError(err, `Could not remove the store ${name}`);
  }
  await ctx.reload();
}

export async function moveProfile(p) {
  let stores = [];
  try {
    stores = await call(CMD.storeList, { ask: false });
  } catch (err) {
    notifyError(err, "Could not read the stores");
    return;
  }
  const here = p.store ?? "";
  const options = [{ value: "", label: "This computer's keyring" }, ...stores.map((s) => ({ value: s.name, label: `${s.name} (${storeKindName(s.kind)})` }))].filter((o) => o.value !== here);
  if (!stores.length) {
    // Not a dead end: the way to a store is one button away.
    const add = await confirmDialog({
      title: `Move ${p.name}`,
      text: "There is no team store to move it to yet. A team store (OpenBao or Vault) keeps a profile's secrets for the whole team.",
      confirmLabel: "Add a team store…",
      testid: "move-none",
    });
    if (add) await openStores();
    return;
  }
  const moved = await formDialog({
    testid: "move-form",
    title: `Move ${p.name}`,
    intro: "Its keys and tokens are copied and read back before they are deleted where they are now.",
    fields: [{ name: "to", label: "Move to", type: "select", value: options[0].value, options }],
    submitLabel: "Move",
    onSubmit: async (v) => {
      await call(CMD.profileMove, { name: p.name, to: v.to || null });
      return v;
    },
  });
  if (moved) {
    notify(moved.to ? `Moved ${p.name} to store ${moved.to}.` : `Moved ${p.name} to this computer.`, "success");
    await actions.refresh();
  }
}
