/*
 * Tiny DOM helpers. Server data only ever reaches the page through textContent, attributes set with
 * setAttribute, or form values — never innerHTML — so a product called "<img onerror=…>" stays text.
 */

/** Creates an element; `attrs.text` sets textContent, `on*` functions become listeners. */
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

/** Replaces all children of `node`. */
export function fill(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c != null && c !== false));
  return node;
}

let seq = 0;
/** A unique id for label/aria wiring. */
export const uid = (p = 'f') => `${p}-${++seq}`;

/** A labelled form field: returns {wrap, input}. */
export function field(label, input, hint) {
  const id = input.id || uid();
  input.id = id;
  const parts = [h('label', { for: id, text: label }), input];
  if (hint) {
    const hid = uid('hint');
    input.setAttribute('aria-describedby', hid);
    parts.push(h('small', { id: hid, class: 'hint', text: hint }));
  }
  return { wrap: h('div', { class: 'field' }, parts), input };
}

/** A status line (role=status) or an alert (role=alert) for errors. */
export function notice(text, kind = 'info') {
  return h('p', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status', text });
}

/** A table with a caption, header labels and rows of cells (strings or nodes). */
export function table(caption, headers, rows) {
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption }, [
    h('table', {}, [
      h('caption', { text: caption }),
      h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col', text: x })))),
      h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c))))),
    ]),
  ]);
}
