/*
 * The open conversation: header and actions, the customer's transcript across channels, the
 * customer card and the internal notes. Pure rendering; main.js owns state and API calls.
 */
import { fill, h } from './dom.js';
import { money, t, tv, when } from './i18n.js';
import { customerLabel } from './lists.js';

/** Who holds the thread, in words ("With you", "Waiting in queue" …). */
export function ownerText(conv, me) {
  if (conv.owner !== 'agent') return tv('owner', conv.owner);
  return conv.agentId === me.id ? t('owner_you') : t('owner_agent', { agent: conv.agentName || t('someone') });
}

/** Which actions the signed-in staff member may take on `conv`. */
export function allowed(conv, me) {
  const holds = conv.owner === 'agent' && (conv.agentId === me.id || me.role === 'admin');
  return { claim: conv.owner === 'bot' || conv.owner === 'queue', release: holds, handback: holds, resolve: holds || conv.owner === 'queue', reply: conv.owner === 'agent' && conv.agentId === me.id };
}

export function renderHeader(els, conv, me) {
  els.title.textContent = customerLabel(conv.customerName || conv.customer?.name, conv.customerId);
  els.meta.textContent = [tv('channel', conv.channel), ownerText(conv, me), conv.request && tv('reason', conv.request.reason)].filter(Boolean).join(' · ');
  const can = allowed(conv, me);
  for (const b of els.actions.querySelectorAll('button[data-action]')) b.hidden = !can[b.dataset.action];
  els.replyText.disabled = els.replySend.disabled = els.canned.disabled = !can.reply;
  els.replyHint.textContent = can.reply ? '' : t('replyDisabled');
}

/** One transcript bubble; `conversationId` marks messages from the customer's other threads/channels. */
export function messageNode(m, conversationId) {
  const author = ['customer', 'bot', 'agent', 'system', 'campaign'].includes(m.author) ? m.author : 'system';
  const by = author === 'agent' && m.authorName ? `${t('author_agent')} · ${m.authorName}` : t(`author_${author}`);
  const other = m.conversationId && m.conversationId !== conversationId;
  const choices = [...(m.quickReplies || []), ...(m.buttons || [])].map((b) => b.label).filter(Boolean);
  return h('div', { class: `msg ${author}`, 'data-author': author }, [
    h('span', { class: 'by' }, [by, h('span', { class: 'at', text: [other || m.showChannel ? tv('channel', m.channel) : '', when(m.at)].filter(Boolean).join(' · ') })]),
    h('span', { class: 'text', text: m.text || '' }),
    choices.length ? h('span', { class: 'choices', text: `[${choices.join('] [')}]` }) : null,
  ]);
}

export function renderTranscript(log, messages, conversationId) {
  const channels = new Set(messages.map((m) => m.channel));
  const multi = channels.size > 1;
  fill(log, messages.length ? messages.map((m) => messageNode({ ...m, showChannel: multi }, conversationId)) : h('p', { class: 'hint', text: t('noMessages') }));
  log.scrollTop = log.scrollHeight;
}

export function appendMessage(log, m, conversationId) {
  const nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  log.querySelector(':scope > p.hint')?.remove();
  log.append(messageNode(m, conversationId));
  if (nearBottom || m.author === 'agent') log.scrollTop = log.scrollHeight;
}

const dl = (pairs) => h('dl', {}, pairs.filter(([, v]) => v !== '' && v != null).flatMap(([k, v]) => [h('dt', { text: k }), h('dd', {}, [v])]));

/** The customer card; `onTicket(number, status)` changes a ticket's status unless `ticketsReadOnly`. */
export function renderCard(node, customer, { onTicket, ticketsReadOnly }) {
  if (!customer) return fill(node, h('p', { class: 'hint', text: '—' }));
  const tier = customer.loyalty ? tv('tier', customer.loyalty.tier) : t('notMember');
  const channels = (customer.identities || []).map((i) => `${tv('channel', i.channel)}${i.display_name ? ` (${i.display_name})` : ''}${i.verified ? ` ✓ ${t('verified')}` : ''}`).join(', ');
  const orders = customer.recentOrders || [];
  const tickets = customer.openTickets || [];
  const consent = customer.consent || [];
  fill(node,
    customer.erased_at ? h('p', { class: 'notice', 'data-kind': 'error', text: t('erased') }) : null,
    dl([
      [t('customer'), customer.name || ''], [t('contact'), [customer.email, customer.phone].filter(Boolean).join(' · ')],
      [t('tier'), h('strong', { 'data-field': 'tier', text: tier })], [t('points'), h('strong', { 'data-field': 'points', text: String(customer.pointsBalance ?? 0) })],
      [t('lifetime'), `${money(customer.lifetime_spend ?? 0)} · ${t('ordersCount', { n: customer.order_count ?? 0 })}`],
      [t('locale'), customer.locale || ''], [t('channels'), channels],
    ]),
    h('h3', { text: t('orders') }),
    orders.length ? h('ul', { 'data-field': 'orders' }, orders.map((o) => h('li', { text: `#${o.id} · ${tv('status', o.status)} · ${money(o.total, o.currency)} · ${when(o.created_at, true)}${o.tracking_number ? ` · ${o.carrier || ''} ${o.tracking_number}` : ''}` }))) : h('p', { class: 'hint', text: t('noOrders') }),
    h('h3', { text: t('tickets') }),
    tickets.length ? h('ul', { 'data-field': 'tickets' }, tickets.map((k) => ticketRow(k, onTicket, ticketsReadOnly))) : h('p', { class: 'hint', text: t('noTickets') }),
    tickets.length && ticketsReadOnly ? h('p', { class: 'hint', text: t('ticketReadOnly') }) : null,
    h('h3', { text: t('consent') }),
    consent.length ? h('ul', { 'data-field': 'consent' }, consent.map((c) => h('li', {}, [`${tv('channel', c.channel)} · ${tv('purpose', c.purpose)}: `, h('span', { class: c.granted ? 'consent-yes' : 'consent-no', text: c.granted ? t('granted') : t('withdrawn') })]))) : h('p', { class: 'hint', text: t('noConsent') }),
  );
}

function ticketRow(k, onTicket, readOnly) {
  const label = t('ticketStatus', { number: k.number });
  const select = h('select', { 'aria-label': label, disabled: readOnly, onchange: (e) => onTicket(k.number, e.target.value, e.target) },
    ['open', 'pending', 'resolved', 'closed'].map((s) => h('option', { value: s, selected: s === k.status, text: tv('status', s) })));
  return h('li', { class: 'ticket' }, [h('span', { text: `${k.number} · ${k.subject || ''}${k.breached_at ? ' ⚠' : ''}` }), select]);
}

export function noteNode(n) {
  return h('li', {}, [h('span', { class: 'by', text: `${n.author_name || ''} · ${when(n.created_at, true)}` }), h('span', { text: n.text })]);
}

export function renderNotes(node, notes) {
  fill(node, notes.length ? notes.map(noteNode) : h('li', { class: 'hint empty', text: t('noNotes') }));
}
