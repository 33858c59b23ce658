/*
 * Tiny DOM helpers. Server data only ever reaches the page through textContent, attributes set with
 * setAttribute, or form values — never innerHTML — so a product called "<img onerror=…>" stays text.
 */

export { h, fill } from '/lib/dom-core.js';
import { h } from '/lib/dom-core.js';

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
