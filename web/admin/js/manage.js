/*
 * Smaller management pages: tiers & rewards (read-only), segments (create + preview), campaigns (list).
 */
import { api } from './api.js';
import { h, fill, field, table } from './dom.js';
import { t, fmt, locale, code } from './i18n.js';
import { header, loading, statusLine, errorText } from './page.js';

/** A localized `{en, 'zh-CN'}` value (or plain text) in the UI language. */
const text = (v) => (v && typeof v === 'object' ? v[locale()] ?? v.en ?? Object.values(v)[0] ?? '' : v ?? '');
const itemsOf = (res) => (Array.isArray(res) ? res : res?.items ?? res?.rewards ?? []);

export const loyalty = {
  render(main) {
    const tiers = h('section', { 'aria-labelledby': 'tiers-h' });
    const rewards = h('section', { 'aria-labelledby': 'rewards-h' });
    fill(main, ...header(t('loyaltyTitle')), h('h2', { id: 'tiers-h', text: t('chTiers') }), tiers, h('h2', { id: 'rewards-h', text: t('rewards') }), rewards);
    return Promise.all([
      loading(tiers, async () => {
        const o = await api('/api/reports/overview?days=30');
        const rows = (o?.membersByTier ?? []).map((x) => [x.name ? text(x.name) : code(x.tier), fmt.num(x.count)]);
        fill(tiers, rows.length ? table(t('chTiers'), [t('tier'), t('members')], rows) : h('p', { class: 'notice', text: t('empty') }));
      }),
      loading(rewards, async () => {
        const rows = itemsOf(await api('/api/rewards')).map((r) => [
          h('code', { text: r.id ?? '' }),
          text(r.name ?? { en: r.name_en, 'zh-CN': r.name_zh || r.name_en }),
          fmt.num(r.cost_points ?? r.cost ?? 0),
          r.active === false ? '✕' : '✓',
        ]);
        fill(rewards, rows.length ? table(t('rewards'), [t('id'), t('reward'), t('cost'), t('active')], rows) : h('p', { class: 'notice', text: t('empty') }));
      }),
    ]);
  },
};

/** The filter JSON as an object, or an error message. */
export function parseFilter(raw) {
  let value;
  try { value = JSON.parse(raw.trim() || '{}'); } catch (err) { return { error: t('filterInvalid', { message: err.message }) }; }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { error: t('filterNotObject') };
  return { value };
}

export const segments = {
  render(main) {
    const list = h('div');
    const name = h('input', { type: 'text', name: 'name', maxlength: '100', required: true, autocomplete: 'off' });
    const filter = h('textarea', { class: 'code', rows: '6', spellcheck: 'false', name: 'filter' });
    filter.value = '{\n  "lastSeenWithinDays": 30\n}';
    const status = statusLine();
    const previewBtn = h('button', { type: 'button', class: 'secondary', text: t('preview') });
    const form = h('form', { class: 'stack card', 'aria-labelledby': 'seg-new' }, [
      h('h2', { id: 'seg-new', text: t('newSegment') }),
      field(t('segmentName'), name).wrap,
      field(t('filter'), filter, t('filterHint')).wrap,
      status.node,
      h('div', { class: 'buttons' }, [h('button', { type: 'submit', class: 'primary', text: t('create') }), previewBtn]),
    ]);
    const read = (needName = true) => {
      for (const n of [name, filter]) n.removeAttribute('aria-invalid');
      if (needName && !name.value.trim()) { name.setAttribute('aria-invalid', 'true'); status.error(t('nameRequired')); name.focus(); return null; }
      const f = parseFilter(filter.value);
      if (f.error) { filter.setAttribute('aria-invalid', 'true'); status.error(f.error); filter.focus(); return null; }
      return { name: name.value.trim(), filter: f.value };
    };
    // Live preview of the unsaved filter (POST /api/segments/preview); nothing is stored.
    previewBtn.addEventListener('click', () => {
      const body = read(false);
      if (body) preview('/api/segments/preview', { filter: body.filter, sampleSize: 5 }, status);
    });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const body = read();
      if (!body) return;
      try {
        const created = await api('/api/segments', { method: 'POST', body });
        status.ok(t('created'));
        if (created?.id) await preview(`/api/segments/${encodeURIComponent(created.id)}/preview`, {}, status);
        showList(list);
      } catch (err) {
        status.error(errorText(err));
      }
    });
    fill(main, ...header(t('segmentsTitle')), form, list);
    return showList(list);
  },
};

async function preview(path, body, out) {
  try {
    const res = await api(path, { method: 'POST', body });
    const names = (res?.sample ?? []).map((c) => c.name).filter(Boolean).slice(0, 5);
    const count = t('previewCount', { count: fmt.num(res?.count ?? 0) });
    out.ok(names.length ? `${count}. ${t('sampleLabel', { names: names.join(', ') })}` : count);
  } catch (err) {
    out.error(errorText(err));
  }
}

function showList(target) {
  return loading(target, async () => {
    const items = itemsOf(await api('/api/segments'));
    if (!items.length) return fill(target, h('p', { class: 'notice', text: t('empty') }));
    fill(target, table(t('segmentsTitle'), [t('segmentName'), t('filter'), t('preview')], items.map((s) => {
      const out = statusLine();
      const btn = h('button', { type: 'button', class: 'secondary', text: t('preview'), onclick: () => preview(`/api/segments/${encodeURIComponent(s.id)}/preview`, {}, out) });
      return [s.name ?? '', h('code', { text: JSON.stringify(s.filter ?? {}) }), h('div', { class: 'row-form' }, [btn, out.node])];
    })));
  });
}

export const campaigns = {
  render(main) {
    const body = h('div');
    fill(main, ...header(t('campaignsTitle')), body);
    return loading(body, async () => {
      let items;
      try {
        items = itemsOf(await api('/api/campaigns'));
      } catch (err) {
        if (err.status !== 404) throw err;
        return fill(body, h('p', { class: 'notice warn', role: 'status', text: t('campaignsMissing') }),
          h('p', {}, h('a', { href: '/api/openapi.json', text: t('apiDocs') })));
      }
      if (!items.length) return fill(body, h('p', { class: 'notice', text: t('empty') }));
      const segs = new Map(itemsOf(await api('/api/segments?limit=200').catch(() => null)).map((x) => [x.id, x.name]));
      const when = (c) => {
        const sch = c.schedule ?? {};
        const plan = sch.at ? fmt.date(sch.at) : sch.cron ? `${sch.cron}${sch.timezone ? ` (${sch.timezone})` : ''}` : '';
        return c.nextFireAt && !sch.at ? `${plan} → ${fmt.date(c.nextFireAt)}` : plan;
      };
      fill(body, table(t('campaignsTitle'), [t('name'), t('status'), t('segment'), t('channels'), t('schedule')], items.map((c) => [
        c.name ?? '', h('span', { class: `badge ${String(c.status ?? '').replace(/[^a-z_-]/gi, '')}`, text: code(c.status) }),
        segs.get(c.segmentId) ?? c.segmentId ?? '', (c.channels ?? []).map(code).join(', '), when(c),
      ])));
    });
  },
};

