/*
 * Live events from /agent/ws applied to the console: customer and agent messages and notes of the
 * open thread are appended in place; ownership changes reload the lists (and the open thread).
 */
import { say } from './dom.js';
import { t } from './i18n.js';
import { appendMessage, noteNode } from './thread.js';

/** @param {{state: object, els: object, drawLists: () => void, scheduleRefresh: () => void, loadThread: () => Promise<void>}} ctx */
export function createEventHandler(ctx) {
  const { state, els, drawLists, scheduleRefresh, loadThread } = ctx;
  const append = (m) => {
    state.messages.push(m);
    appendMessage(els.log, m, m.conversationId);
  };

  return function onEvent(e) {
    const open = Boolean(state.conv) && e.conversationId === state.selectedId;
    const mine = Boolean(e.actor && state.me && e.actor.id === state.me.id);
    const base = { conversationId: e.conversationId, channel: state.conv?.channel, at: e.at, text: e.text ?? '' };
    switch (e.type) {
      case 'conversation.customer_message':
        if (open) append({ ...base, direction: 'in', author: 'customer', authorName: null });
        else state.unread.add(e.conversationId);
        return drawLists();
      case 'conversation.agent_message':
        // Our own replies were appended when the API accepted them.
        if (open && !mine) append({ ...base, direction: 'out', author: 'agent', authorName: e.agentName || e.actor?.name });
        return;
      case 'conversation.note':
        if (open && !mine) {
          const note = { author_name: e.actor?.name, text: e.text ?? '', created_at: e.at };
          state.notes.push(note);
          els.notes.querySelector('li.empty')?.remove();
          els.notes.append(noteNode(note));
        }
        return;
      default:
        // Ownership changed: a thread someone claimed leaves the queue view at once, then the lists reload.
        if (e.owner !== 'queue') state.queue = state.queue.filter((q) => q.conversationId !== e.conversationId);
        drawLists();
        scheduleRefresh();
        if (open && !mine) {
          loadThread().catch(() => {});
          if (e.type === 'conversation.claimed' || e.type === 'conversation.assigned') say(els.alert, t('takenBy', { agent: e.agentName || e.actor?.name || t('someone') }), 'info', 0);
        }
    }
  };
}
