// A tiny element builder. Text always goes in through textContent, never innerHTML, so nothing
// a server or a file says can become markup.

/**
 * h("button", {class: "btn", "data-testid": "x", onclick: fn, "aria-label": "..."}, "text", child)
 * Attributes: `class`, `text`, `on<event>` (functions), booleans (true sets, false omits),
 * everything else via setAttribute.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "text") el.textContent = v;
    else if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces an element's children. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** document.querySelector with a clear failure. */
export function $(sel, root = document) {
  const el = root.querySelector(sel);
  if (!el) throw new Error(`missing element ${sel}`);
  return el;
}

/**
 * Resolves once the next frame has been painted (a timer queued by its animation frame), or
 * after `within` ms when no frame comes (a hidden or minimized window paints none).
 */
export function afterPaint(within = 100) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, within);
    requestAnimationFrame(() =>
      setTimeout(() => {
        clearTimeout(timer);
        resolve();
      }),
    );
  });
}
