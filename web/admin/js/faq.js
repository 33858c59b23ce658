/*
 * FAQ: the answers of one language edited as JSON ({entryId: "answer"}), checked in the browser
 * (JSON syntax, known ids, non-empty text) before PUT /api/faq sends the whole book back.
 * GET answers `{exists, etag, faq: {settings, entries}, problem?}`; the PUT carries If-Match with
 * that etag so a change someone else saved meanwhile is refused (409) instead of overwritten.
 */
import { api } from './api.js';
import { h, fill, field, notice } from './dom.js';
import { t, locale as uiLocale } from './i18n.js';
import { header, loading, statusLine, errorText } from './page.js';

let chosen = null;

export function render(main) {
  const body = h('div');
  fill(main, ...header(t('faqTitle'), t('faqIntro')), body);
  return loading(body, async () => {
    const doc = await api('/api/faq');
    // The documented envelope, or a bare book from an older server.
    const book = doc && typeof doc === 'object' && 'faq' in doc ? doc.faq ?? {} : doc ?? {};
    let etag = doc?.etag ?? null;
    const entries = book.entries && typeof book.entries === 'object' ? book.entries : {};
    const locales = [...new Set(['en', 'zh-CN', ...Object.values(entries).flatMap((e) => Object.keys(e?.answer ?? {}))])];
    chosen = chosen ?? uiLocale();
    const select = h('select', { name: 'locale' }, locales.map((l) => h('option', { value: l, text: l, selected: l === chosen })));
    const area = h('textarea', { class: 'code', rows: '18', spellcheck: 'false', 'aria-invalid': 'false' });
    const status = statusLine();
    status.node.id = 'faq-status';
    const load = () => {
      const answers = Object.fromEntries(Object.entries(entries).map(([id, e]) => [id, e?.answer?.[select.value] ?? '']));
      area.value = JSON.stringify(answers, null, 2);
      status.clear();
      area.setAttribute('aria-invalid', 'false');
    };
    select.addEventListener('change', () => { chosen = select.value; load(); });
    const form = h('form', { class: 'stack' }, [
      doc?.problem ? notice(doc.problem, 'warn') : null,
      field(t('faqLocale'), select).wrap,
      field(t('faqTitle'), area).wrap,
      status.node,
      h('div', {}, h('button', { type: 'submit', class: 'primary', text: t('faqSave') })),
    ]);
    area.setAttribute('aria-describedby', 'faq-status');
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const problem = validate(area.value, entries);
      area.setAttribute('aria-invalid', problem ? 'true' : 'false');
      if (problem) {
        status.error(problem);
        area.focus();
        return;
      }
      const next = structuredClone(entries);
      for (const [id, text] of Object.entries(JSON.parse(area.value))) next[id] = { ...next[id], answer: { ...(next[id]?.answer ?? {}), [select.value]: text } };
      try {
        const res = await api('/api/faq', { method: 'PUT', body: { ...book, entries: next }, headers: etag ? { 'if-match': `"${etag}"` } : undefined });
        Object.assign(entries, next);
        etag = res?.etag ?? etag;
        status.ok(t('saved'));
      } catch (err) {
        status.error(errorText(err));
      }
    });
    fill(body, form);
    load();
  });
}

/** The first problem with the edited JSON, as a message, or null when it is fine. */
export function validate(text, entries) {
  let value;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return t('faqInvalidJson', { message: err.message });
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return t('faqNotObject');
  for (const [key, answer] of Object.entries(value)) {
    if (!Object.hasOwn(entries, key)) return t('faqUnknown', { key });
    if (typeof answer !== 'string' || !answer.trim()) return t('faqNotText', { key });
  }
  return null;
}
