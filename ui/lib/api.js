// The bridge to the app's Rust commands (window.__TAURI__, enabled by app.withGlobalTauri).
// Errors come back as {code, message}; anything else thrown is wrapped the same way.

function tauri() {
  const t = globalThis.__TAURI__;
  if (!t || !t.core) {
    throw { code: "no_backend", message: "the SimCred app backend is not available (open this page in the app)" };
  }
  return t;
}

/** Calls a command; arguments are snake_case. Rejects with {code, message}. */
export async function call(cmd, args = {}) {
  try {
    return await tauri().core.invoke(cmd, args);
  } catch (e) {
    throw asError(e);
  }
}

/** A rejection as {code, message}. */
function asError(e) {
  if (e && typeof e === "object" && "code" in e && "message" in e) return e;
  return { code: "internal", message: String(e && e.message ? e.message : e) };
}

/**
 * The answer to a command the app gave the page before it loaded (`globalThis.__simcredFirst`,
 * set by its initialization script; each once), or a fresh call.
 */
export async function early(cmd) {
  const first = globalThis.__simcredFirst;
  if (first && typeof first === "object" && cmd in first) {
    const answer = first[cmd];
    delete first[cmd];
    return answer;
  }
  return call(cmd);
}

/** Subscribes to an app event; returns a promise of the unlisten function. */
export function listen(event, handler) {
  return tauri().event.listen(event, (e) => handler(e.payload));
}
