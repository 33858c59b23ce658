/*
 * "Messages the bot did not understand": GET /api/reports/unrecognised, a per-row intent picker
 * that POSTs the text as a training phrase, and a Retrain button.
 */
import { api, qs } from './api.js';
import { h, fill, table, notice } from './dom.js';
import { t, fmt } from './i18n.js';
import { header, loading, statusLine, errorText } from './page.js';

export function render(main) {
  const body = h('div');
  const status = statusLine();
  const retrain = h('button', { type: 'button', class: 'primary', text: t('retrain') });
  retrain.addEventListener('click', async () => {
    retrain.disabled = true;
    retrain.textContent = t('retraining');
    try {
      await api('/api/intents/retrain', { method: 'POST', body: {} });
      status.ok(t('retrained'));
    } catch (err) {
      status.error(errorText(err));
    } finally {
      retrain.disabled = false;
      retrain.textContent = t('retrain');
    }
  });
  fill(main, ...header(t('unrecognisedTitle'), t('unrecognisedIntro')), h('div', { class: 'toolbar' }, retrain), status.node, body);
  return loading(body, async () => {
    const [list, intents] = await Promise.all([
      api(`/api/reports/unrecognised${qs({ limit: 50 })}`),
      api('/api/intents').catch((err) => ({ items: [], err })),
    ]);
    const names = (intents?.items ?? []).map((i) => i.name).filter(Boolean).sort();
    const items = list?.items ?? [];
    if (!items.length) return fill(body, h('p', { class: 'notice', role: 'status', text: t('empty') }));
    // Without the intent list the rows can still be read; adding needs it.
    fill(body, intents.err ? notice(errorText(intents.err), 'warn') : null, table(t('unrecognisedTitle'), [t('message'), t('locale'), t('times'), t('lastSeen'), t('action')],
      items.map((item) => [
        h('span', { class: 'msg-text', text: item.text ?? '' }),
        item.locale ?? '',
        fmt.num(item.count ?? 1),
        item.at ? fmt.date(item.at) : '',
        addControl(item, names),
      ])));
  });
}

function addControl(item, names) {
  const select = h('select', { 'aria-label': t('intentFor', { text: String(item.text ?? '').slice(0, 80) }), required: true },
    [h('option', { value: '', text: t('chooseIntent') }), ...names.map((n) => h('option', { value: n, text: n }))]);
  const button = h('button', { type: 'submit', class: 'secondary', text: t('addPhrase') });
  const out = h('span', { class: 'row-status', role: 'status' });
  const form = h('form', { class: 'row-form' }, [select, button, out]);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!select.value) { select.focus(); return; }
    button.disabled = true;
    try {
      const loc = String(item.locale || 'en').toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
      await api(`/api/intents/${encodeURIComponent(select.value)}/phrases`, { method: 'POST', body: { locale: loc, phrases: [String(item.text ?? '')] } });
      out.className = 'row-status ok';
      out.textContent = t('added', { intent: select.value });
      select.disabled = true;
    } catch (err) {
      out.className = 'row-status error';
      out.textContent = errorText(err);
      button.disabled = false;
    }
  });
  return form;
}
