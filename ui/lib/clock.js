// Times that stay true while the window is open: an element showing "checked 2 min ago" or
// "(in 5 min)" is registered with the function that words it, and every few seconds the words
// are recomputed from the time they rest on (the absolute time is the element's tooltip). Pure
// over the elements it is given, so it is tested without a page.

/** How often live times are reworded (a "45 s ago" moves within this). */
export const TICK_MS = 5000;

const texts = new WeakMap();

/**
 * Makes `el` a live time: its text is `text(now)` now and at every tick. Returns `el`.
 * @template {{textContent: string, dataset: object}} E
 * @param {E} el
 * @param {(now: number) => string} text
 * @returns {E}
 */
export function live(el, text, now = Date.now()) {
  texts.set(el, text);
  el.dataset.live = "";
  el.textContent = text(now);
  return el;
}

/** Makes `el` an ordinary element again (its text is no longer reworded) and sets `text`. */
export function still(el, text) {
  texts.delete(el);
  delete el.dataset.live;
  el.textContent = text;
  return el;
}

/** Rewords the live times among `els` for `now`; returns how many changed. */
export function tick(els, now = Date.now()) {
  let changed = 0;
  for (const el of els) {
    const text = texts.get(el);
    if (!text) continue;
    const t = text(now);
    if (el.textContent !== t) {
      el.textContent = t;
      changed++;
    }
  }
  return changed;
}

/** Starts rewording the page's live times (`[data-live]`) every TICK_MS. */
export function startClock() {
  return setInterval(() => tick(document.querySelectorAll("[data-live]")), TICK_MS);
}
