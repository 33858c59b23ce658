/*
 * DOM helpers. Server data reaches the page only through textContent, setAttribute and form
 * values — never innerHTML — so a customer typing "<img onerror=…>" sees it shown as text.
 */

export { h, fill } from '/lib/dom-core.js';

export const $ = (id) => document.getElementById(id);

/** Shows a message in a live region; `kind` is info | ok | error. Cleared after `ms` unless 0. */
export function say(region, text, kind = 'info', ms = 8000) {
  region.textContent = text;
  region.dataset.kind = kind;
  region.hidden = !text;
  clearTimeout(region._timer);
  if (text && ms) region._timer = setTimeout(() => { region.textContent = ''; region.hidden = true; }, ms);
}
