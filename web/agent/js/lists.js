/*
 * The left column: the queue (in the API's priority order), the agent's own conversations and the
 * live bot threads an agent may pick. Each row is a button; the open one has aria-current.
 */
import { fill, h } from './dom.js';
import { t, tv, when } from './i18n.js';

/** A display name for a customer that may be anonymous (web-chat guests have no name). */
export const customerLabel = (name, customerId) => name || t('anonymous', { id: String(customerId || '').slice(0, 6) });

function row(id, name, sub, { selected, unread, tier, onSelect }) {
  const button = h('button', { type: 'button', class: 'conv', 'data-id': id, 'aria-current': selected ? 'true' : 'false', onclick: () => onSelect(id) }, [
    h('span', { class: 'name' }, [
      h('span', { text: name }),
      tier ? h('span', { class: `badge tier-${tier}`, text: tv('tier', tier) }) : null,
      unread ? h('span', { class: 'dot', title: t('unread') }, [h('span', { class: 'sr-only', text: t('unread') })]) : null,
    ]),
    h('span', { class: 'sub', text: sub.filter(Boolean).join(' · ') }),
  ]);
  return h('li', {}, [button]);
}

function list(node, countNode, items, emptyKey) {
  countNode.textContent = String(items.length);
  fill(node, items.length ? items : h('li', { class: 'empty', text: t(emptyKey) }));
}

/** Renders the three lists from `state` ({queue, mine, bot, selectedId, unread: Set}). */
export function renderLists(state, els, onSelect) {
  const opts = (id, tier) => ({ selected: id === state.selectedId, unread: state.unread.has(id), tier, onSelect });
  list(els.queue, els.queueCount, state.queue.map((q) =>
    row(q.conversationId, customerLabel(q.customerName, q.customerId), [tv('channel', q.channel), tv('reason', q.reason), t('waiting', { n: q.waitingMinutes })], opts(q.conversationId, q.tier))), 'queueEmpty');
  list(els.mine, els.mineCount, state.mine.map((c) =>
    row(c.id, customerLabel(c.customerName, c.customerId), [tv('channel', c.channel), c.request && tv('reason', c.request.reason), when(c.lastMessageAt)], opts(c.id))), 'mineEmpty');
  list(els.bot, els.botCount, state.bot.map((c) =>
    row(c.id, customerLabel(c.customerName, c.customerId), [tv('channel', c.channel), when(c.lastMessageAt)], opts(c.id))), 'botEmpty');
}
