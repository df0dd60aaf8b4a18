// SimCred UI entry point. Loaded as an external script: the CSP forbids inline scripts.
"use strict";

/** Asks the backend for the app's name and version and shows them in the footer. */
async function showAppInfo() {
  const versionEl = document.getElementById("app-version");
  const nameEl = document.getElementById("app-name");
  const tauri = window.__TAURI__;
  if (!tauri || !tauri.core) {
    versionEl.textContent = "(not running inside the app)";
    return;
  }
  try {
    const info = await tauri.core.invoke("app_info");
    nameEl.textContent = info.name;
    versionEl.textContent = `version ${info.version}`;
  } catch (err) {
    versionEl.textContent = "(version unavailable)";
    console.error("app_info failed:", err);
  }
}

document.addEventListener("DOMContentLoaded", showAppInfo);
