/*
 * Catalog: search GET /api/products?q&limit&offset, edit price and stock in place. PUT /api/products/:sku
 * replaces the row, so the stored product is read first and sent back with the two changes.
 */
import { api, qs } from './api.js';
import { h, fill, field, table } from './dom.js';
import { t, fmt, locale } from './i18n.js';
import { header, loading, errorText } from './page.js';

const PAGE = 25;
const state = { q: '', offset: 0 };

export function render(main) {
  const body = h('div');
  const input = h('input', { type: 'search', name: 'q', value: state.q, placeholder: t('searchPlaceholder'), autocomplete: 'off' });
  const { wrap } = field(t('search'), input);
  const form = h('form', { class: 'toolbar', role: 'search' }, [wrap, h('button', { type: 'submit', class: 'secondary', text: t('search') })]);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    state.q = input.value.trim();
    state.offset = 0;
    list(body);
  });
  fill(main, ...header(t('catalogTitle')), form, body);
  return list(body);
}

function list(body) {
  return loading(body, async () => {
    const res = await api(`/api/products${qs({ q: state.q, limit: PAGE, offset: state.offset })}`);
    const items = res?.items ?? [];
    const total = Number(res?.total ?? items.length);
    if (!items.length) return fill(body, h('p', { class: 'notice', role: 'status', text: t('empty') }));
    const rows = items.map((p) => [h('code', { text: p.sku }), (locale() === 'zh-CN' && p.nameZh) || p.name || '', p.category ?? '', p.brand ?? '', editor(p)]);
    const pager = h('div', { class: 'pager' }, [
      h('button', { type: 'button', class: 'secondary', text: t('prev'), disabled: state.offset === 0, onclick: () => { state.offset = Math.max(0, state.offset - PAGE); list(body); } }),
      h('span', { text: t('pageOf', { from: fmt.num(state.offset + 1), to: fmt.num(state.offset + items.length), total: fmt.num(total) }) }),
      h('button', { type: 'button', class: 'secondary', text: t('next'), disabled: state.offset + items.length >= total, onclick: () => { state.offset += PAGE; list(body); } }),
    ]);
    fill(body, table(t('catalogTitle'), [t('sku'), t('name'), t('category'), t('brand'), `${t('price')} / ${t('stock')}`], rows), pager);
  });
}

function editor(p) {
  const name = p.name ?? p.sku;
  const price = h('input', { type: 'number', min: '0', step: '0.01', inputmode: 'decimal', value: p.price ?? 0, 'aria-label': t('priceFor', { name }), class: 'num' });
  const stock = h('input', { type: 'number', min: '0', step: '1', inputmode: 'numeric', value: p.stock ?? 0, 'aria-label': t('stockFor', { name }), class: 'num' });
  const save = h('button', { type: 'submit', class: 'secondary', text: t('save') });
  const out = h('span', { class: 'row-status', role: 'status' });
  const form = h('form', { class: 'row-form', novalidate: true }, [price, h('span', { class: 'currency', text: p.currency ?? '' }), stock, save, out]);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const checks = [[t('price'), price, (v) => Number.isFinite(v) && v >= 0], [t('stock'), stock, (v) => Number.isInteger(v) && v >= 0]];
    for (const [, node] of checks) node.removeAttribute('aria-invalid');
    const bad = checks.find(([, node, ok]) => node.value.trim() === '' || !ok(Number(node.value)));
    if (bad) {
      bad[1].setAttribute('aria-invalid', 'true');
      out.className = 'row-status error';
      out.textContent = t('invalidNumber', { field: bad[0] });
      return;
    }
    const values = { price: Number(price.value), stock: Number(stock.value) };
    save.disabled = true;
    try {
      // PUT replaces the whole row: start from the stored product so nothing else is lost.
      const path = `/api/products/${encodeURIComponent(p.sku)}`;
      const { updatedAt, ...full } = await api(path);
      const saved = await api(path, { method: 'PUT', body: { ...full, ...values } });
      price.value = saved?.price ?? values.price;
      stock.value = saved?.stock ?? values.stock;
      out.className = 'row-status ok';
      out.textContent = t('saved');
    } catch (err) {
      out.className = 'row-status error';
      out.textContent = errorText(err);
    } finally {
      save.disabled = false;
    }
  });
  return form;
}
