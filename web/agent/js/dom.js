/*
 * DOM helpers. Server data reaches the page only through textContent, setAttribute and form
 * values — never innerHTML — so a customer typing "<img onerror=…>" sees it shown as text.
 */

/** Creates an element: `text` sets textContent, `on<event>` functions become listeners, the rest are attributes. */
export function h(tag, attrs, children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === 'text') node.textContent = String(v);
    else if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (k === 'value') node.value = String(v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of [].concat(children ?? [])) {
    if (c == null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

/** Replaces the children of `node`. */
export function fill(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c != null && c !== false));
  return node;
}

export const $ = (id) => document.getElementById(id);

/** Shows a message in a live region; `kind` is info | ok | error. Cleared after `ms` unless 0. */
export function say(region, text, kind = 'info', ms = 8000) {
  region.textContent = text;
  region.dataset.kind = kind;
  region.hidden = !text;
  clearTimeout(region._timer);
  if (text && ms) region._timer = setTimeout(() => { region.textContent = ''; region.hidden = true; }, ms);
}
