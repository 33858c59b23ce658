/*
 * What an agent does to the open conversation: claim / release / hand back / resolve, reply,
 * add a note, change a ticket's status. A 409 means someone else was first: say so, then refresh.
 */
import { agentApi, ApiError } from './api.js';
import { say } from './dom.js';
import { t, tv } from './i18n.js';
import { appendMessage, ownerText, renderHeader, renderNotes } from './thread.js';

/** @param {{state: object, els: object, loadThread: () => Promise<void>, refreshLists: () => Promise<void>, drawThread: () => void}} ctx */
export function createActions(ctx) {
  const { state, els, loadThread, refreshLists, drawThread } = ctx;
  const errorText = (err) => (err instanceof ApiError && err.status === 0 ? t('network') : t('error', { msg: err.message || String(err) }));
  const showError = (err) => say(els.alert, errorText(err), 'error');

  async function handleFailure(err) {
    if (!(err instanceof ApiError && err.status === 409)) return showError(err);
    await Promise.all([loadThread().catch(() => {}), refreshLists().catch(() => {})]);
    say(els.alert, t('conflict', { msg: state.conv ? ownerText(state.conv, state.me) : err.message }), 'error', 0);
  }

  async function act(action, button) {
    button.disabled = true;
    try {
      await agentApi.act(state.selectedId, action);
      say(els.alert, '');
      say(els.status, t(`did_${action}`), 'ok');
      await Promise.all([loadThread(), refreshLists()]);
    } catch (err) {
      await handleFailure(err);
    } finally {
      button.disabled = false;
    }
  }

  async function sendReply() {
    const text = els.replyText.value.trim();
    if (!text || els.replySend.disabled) return;
    const id = state.selectedId;
    els.replySend.disabled = true;
    try {
      const res = await agentApi.send(id, text, globalThis.crypto?.randomUUID?.() ?? `c${Date.now()}${Math.random()}`);
      if (state.selectedId === id) {
        els.replyText.value = '';
        const m = { direction: 'out', author: 'agent', authorName: state.me.name, text, channel: state.conv.channel, conversationId: id, at: new Date().toISOString() };
        state.messages.push(m);
        appendMessage(els.log, m, id);
        say(els.status, res.queued ? t('queued') : t('sent'), 'ok', 3000);
      }
    } catch (err) {
      await handleFailure(err);
    } finally {
      if (state.conv) renderHeader(els, state.conv, state.me);
    }
  }

  async function addNote() {
    const text = els.noteText.value.trim();
    if (!text) return;
    const button = els.noteForm.querySelector('button');
    button.disabled = true;
    try {
      const note = await agentApi.note(state.selectedId, text);
      els.noteText.value = '';
      state.notes.push(note);
      renderNotes(els.notes, state.notes);
    } catch (err) {
      showError(err);
    } finally {
      button.disabled = false;
    }
  }

  /** Ticket status from the card (PATCH /api/tickets/:number); read-only when the server has no such route. */
  async function onTicket(number, status, select) {
    select.disabled = true;
    try {
      await agentApi.ticket(number, { status });
      say(els.status, t('ticketSaved', { number, status: tv('status', status) }), 'ok');
      await loadThread();
    } catch (err) {
      if (err instanceof ApiError && (err.status === 404 || err.status === 405) && /no route/i.test(err.message)) {
        state.ticketsReadOnly = true;
        drawThread();
        say(els.status, t('ticketReadOnly'), 'info');
      } else {
        showError(err);
        await loadThread().catch(() => {});
      }
    }
  }

  return { act, sendReply, addNote, onTicket, showError, errorText };
}
