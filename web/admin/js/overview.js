/*
 * Overview: charts and stat tiles from GET /api/reports/overview?days=N (Chart.js from /vendor).
 * Each canvas carries role=img and a text summary of its numbers for screen readers.
 */
import { api, qs } from './api.js';
import { h, fill, field } from './dom.js';
import { t, fmt, locale, code } from './i18n.js';
import { header, loading } from './page.js';

const PALETTE = ['#1f3a5f', '#f2a33a', '#3f8f6b', '#b5485d', '#6a5acd', '#2a9bb5', '#8c6d3f', '#7a8699', '#d2691e', '#4b7bec'];
const cache = new Map();
let charts = [];
let days = 30;

const reducedMotion = () => window.matchMedia?.('(prefers-reduced-motion: reduce)').matches;

/** Destroys the charts of the previous render (called when leaving or re-rendering). */
export function leave() {
  for (const c of charts) c.destroy();
  charts = [];
}

export function render(main) {
  leave();
  const body = h('div', { class: 'overview' });
  const select = h('select', { name: 'days' }, [7, 30, 90].map((d) => h('option', { value: d, text: t(`days${d}`), selected: d === days })));
  select.addEventListener('change', () => { days = Number(select.value); show(body, true); });
  const { wrap } = field(t('period'), select);
  wrap.classList.add('inline');
  fill(main, ...header(t('navOverview')), h('div', { class: 'toolbar' }, wrap), body);
  return show(body, false);
}

async function show(body, fresh) {
  const key = days;
  const data = await loading(body, async () => {
    if (!fresh && cache.has(key)) return cache.get(key);
    const d = await api(`/api/reports/overview${qs({ days: key, timezone: browserZone() })}`);
    cache.set(key, d);
    return d;
  });
  if (data) draw(body, data);
}

function draw(body, d) {
  leave();
  if (typeof window.Chart !== 'function') {
    fill(body, h('p', { class: 'notice error', role: 'alert', text: t('failed', { message: 'Chart.js did not load' }) }));
    return;
  }
  // Charts use the page's font stack (with the CJK fallbacks) and ink colour.
  window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  window.Chart.defaults.color = '#3a4556';
  const churn = d.churnRisk ?? {};
  const points = d.points ?? {};
  const tiles = h('div', { class: 'tiles' }, [
    tile(t('fallbackRate'), fmt.pct(d.fallbackRate), t('fallbackHint')),
    tile(t('slaBreaches'), fmt.num(d.slaBreaches), null, Number(d.slaBreaches) > 0 ? 'alarm' : null),
    tile(t('repeatRate'), fmt.pct(d.repeatPurchaseRate)),
    tile(t('churnRisk'), fmt.pct(churn.total ? churn.atRisk / churn.total : 0), t('churnOf', { atRisk: fmt.num(churn.atRisk), total: fmt.num(churn.total) })),
    tile(t('outstanding'), fmt.num(points.outstanding)),
  ]);
  const grid = h('div', { class: 'charts' });
  fill(body, tiles, grid);
  grid.append(
    conversationsChart(d.conversationsPerChannelPerDay ?? []),
    doughnut(t('chIntents'), (d.intentMix ?? []).map((x) => [code(x.intent), x.count]), `${t('fallbackRate')}: ${fmt.pct(d.fallbackRate)}`),
    bars(t('chTiers'), (d.membersByTier ?? []).map((x) => [code(x.tier), x.count]), t('members')),
    bars(t('chPoints'), [[t('issued'), points.issued], [t('redeemed'), points.redeemed], [t('outstanding'), points.outstanding]], t('chPoints'), { horizontal: true }),
    bars(t('chTickets'), (d.ticketsByStatus ?? []).map((x) => [code(x.status), x.count]), t('tickets'), { extra: `${t('slaBreaches')}: ${fmt.num(d.slaBreaches)}` }),
    funnel(d.campaignFunnel ?? {}),
  );
}

function tile(label, value, hint, cls) {
  return h('div', { class: `tile ${cls ?? ''}`.trim() }, [h('span', { class: 'tile-label', text: label }), h('strong', { class: 'tile-value', text: value }), hint ? h('small', { text: hint }) : null]);
}

/** A chart card: title, canvas (role=img with a summary), optional note under it. */
function card(title, summary, config, note) {
  const canvas = h('canvas', { role: 'img', 'aria-label': t('chartSummary', { title, summary: summary || t('noData') }) });
  const fig = h('figure', { class: 'chart-card' }, [
    h('figcaption', { text: title }),
    h('div', { class: 'chart-box' }, [canvas, isEmpty(config) ? h('p', { class: 'chart-empty', text: t('noData') }) : null]),
    note ? h('p', { class: 'chart-note', text: note }) : null,
  ]);
  const base = { responsive: true, maintainAspectRatio: false, animation: reducedMotion() ? false : { duration: 400 }, locale: locale() };
  // Created after insertion so Chart.js can measure the box.
  queueMicrotask(() => charts.push(new window.Chart(canvas, { ...config, options: { ...base, ...config.options } })));
  return fig;
}

/** The browser's IANA zone, so the server's day buckets match the days drawn here. */
const browserZone = () => { try { return Intl.DateTimeFormat().resolvedOptions().timeZone || undefined; } catch { return undefined; } };
const localDay = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
const isEmpty = (config) => config.data.datasets.every((d) => d.data.every((v) => !Number(v)));
const summarise = (pairs) => pairs.map(([k, v]) => `${k} ${fmt.num(v)}`).join(', ');

function conversationsChart(rows) {
  const dayKey = (d) => String(d).slice(0, 10);
  const daySet = new Set(rows.map((r) => dayKey(r.day)));
  const today = new Date();
  for (let i = days - 1; i >= 0; i--) daySet.add(localDay(new Date(today.getTime() - i * 86_400_000)));
  const labels = [...daySet].sort().slice(-Math.max(days, daySet.size));
  const channels = [...new Set(rows.map((r) => r.channel))].sort();
  const datasets = channels.map((ch, i) => ({
    label: code(ch),
    backgroundColor: PALETTE[i % PALETTE.length],
    data: labels.map((day) => rows.filter((r) => r.channel === ch && dayKey(r.day) === day).reduce((s, r) => s + Number(r.count || 0), 0)),
  }));
  const totals = channels.map((ch, i) => [code(ch), datasets[i].data.reduce((a, b) => a + b, 0)]);
  return card(t('chConversations'), summarise(totals), {
    type: 'bar',
    data: { labels: labels.map((l) => fmt.day(`${l}T12:00:00`)), datasets },
    options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: t('conversations') } } } },
  });
}

function doughnut(title, pairs, note) {
  return card(title, `${summarise(pairs)}. ${note}`, {
    type: 'doughnut',
    data: { labels: pairs.map((p) => p[0]), datasets: [{ data: pairs.map((p) => Number(p[1]) || 0), backgroundColor: pairs.map((_, i) => PALETTE[i % PALETTE.length]) }] },
    options: { plugins: { legend: { position: 'right' } } },
  }, note);
}

function bars(title, pairs, label, { horizontal = false, extra } = {}) {
  return card(title, summarise(pairs) + (extra ? `. ${extra}` : ''), {
    type: 'bar',
    data: { labels: pairs.map((p) => p[0]), datasets: [{ label, data: pairs.map((p) => Number(p[1]) || 0), backgroundColor: pairs.map((_, i) => PALETTE[i % PALETTE.length]) }] },
    options: { indexAxis: horizontal ? 'y' : 'x', plugins: { legend: { display: false } }, scales: { [horizontal ? 'x' : 'y']: { beginAtZero: true, ticks: { precision: 0 } } } },
  }, extra);
}

function funnel(f) {
  const steps = [[t('sent'), f.sent], [t('replied'), f.replied], [t('converted'), f.converted]];
  const sent = Number(f.sent) || 0;
  const rate = (n) => (sent ? fmt.pct((Number(n) || 0) / sent) : '—');
  const note = `${t('replied')} ${rate(f.replied)} · ${t('converted')} ${rate(f.converted)}`;
  return bars(t('chFunnel'), steps, t('count'), { horizontal: true, extra: note });
}
