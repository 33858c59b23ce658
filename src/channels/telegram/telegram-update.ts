import type { Update, User } from 'telegraf/types';
import { toLocale, type InboundMessage, type Locale } from '../../core/message.js';
import { MAX_TEXT_LENGTH } from '../../flows/pipeline.js';
import type { CallbackDataStore } from './telegram-render.js';

/** What an update means for the bot. */
export type NormalisedUpdate =
  | { kind: 'message'; message: InboundMessage }
  | { kind: 'callback'; queryId: string; message?: InboundMessage }
  | { kind: 'group'; chatId: number; locale?: Locale }
  | { kind: 'ignore'; reason: string };

/** The fields of an update the bot reads (message and callback_query; everything else is ignored). */
export function isUpdate(body: unknown): body is Update {
  return typeof body === 'object' && body !== null && Number.isSafeInteger((body as { update_id?: unknown }).update_id);
}

/**
 * Turns a Telegram update into an InboundMessage. The id is the message's identity, not the
 * update's (`msg:<chat>:<message_id>`, `cbq:<query id>`), so a message Telegram re-sends in a new
 * update is still recognised as a duplicate. Only private chats reach the pipeline.
 */
export function normaliseUpdate(update: Update, callbacks: CallbackDataStore): NormalisedUpdate {
  if ('message' in update && update.message) return wellFormedMessage(update.message) ? fromMessage(update.message) : { kind: 'ignore', reason: 'malformed message' };
  if ('callback_query' in update && update.callback_query) {
    return wellFormedCallback(update.callback_query) ? fromCallback(update.callback_query, callbacks) : { kind: 'ignore', reason: 'malformed callback query' };
  }
  return { kind: 'ignore', reason: `update type ${Object.keys(update).filter((k) => k !== 'update_id').join(',') || 'empty'}` };
}

type TgMessage = Extract<Update, { message: unknown }>['message'];
type TgCallback = Extract<Update, { callback_query: unknown }>['callback_query'];

function fromMessage(m: TgMessage): NormalisedUpdate {
  if (m.chat.type !== 'private') return { kind: 'group', chatId: m.chat.id, locale: toLocale(m.from?.language_code) };
  if (!m.from) return { kind: 'ignore', reason: 'message without sender' };
  const raw = 'text' in m ? m.text : 'caption' in m ? m.caption : undefined;
  if (!raw?.trim()) return { kind: 'ignore', reason: 'message without text (sticker, media, service message)' };
  const { text, payload } = readCommand(raw);
  return {
    kind: 'message',
    message: {
      id: `msg:${m.chat.id}:${m.message_id}`,
      channel: 'telegram',
      conversation: String(m.chat.id),
      sender: sender(m.from),
      ...(text !== undefined ? { text: text.slice(0, MAX_TEXT_LENGTH) } : {}),
      ...(payload !== undefined ? { payload } : {}),
      attachments: [],
      locale: toLocale(m.from.language_code),
      receivedAt: Number.isFinite(m.date) && Math.abs(m.date) < 1e10 ? new Date(m.date * 1000) : new Date(),
      raw: m,
    },
  };
}

/**
 * `/start` (Telegram's first message) becomes a greeting; `/start <code>` from a deep link
 * (t.me/bot?start=<code>) keeps the code as payload `start:<code>` and greets as well.
 * `/command@botname` is read as `/command`.
 */
function readCommand(raw: string): { text?: string; payload?: string } {
  const match = /^\/(\w+)(?:@\w+)?(?:\s+([\s\S]*))?$/.exec(raw.trim());
  if (!match) return { text: raw };
  const [, command, arg] = match;
  if (command.toLowerCase() === 'start') {
    const code = arg?.trim();
    return code ? { text: 'hi', payload: `start:${code}` } : { text: 'hi' };
  }
  return { text: arg ? `/${command} ${arg}` : `/${command}` };
}

function fromCallback(q: TgCallback, callbacks: CallbackDataStore): NormalisedUpdate {
  const data = 'data' in q ? q.data : undefined;
  const chat = q.message?.chat;
  if (chat && chat.type !== 'private') return { kind: 'ignore', reason: 'button pressed outside a private chat' };
  const payload = data === undefined ? undefined : callbacks.decode(data);
  if (payload === undefined) return { kind: 'callback', queryId: q.id };
  return {
    kind: 'callback',
    queryId: q.id,
    message: {
      id: `cbq:${q.id}`,
      channel: 'telegram',
      conversation: String(chat?.id ?? q.from.id),
      sender: sender(q.from),
      payload,
      attachments: [],
      locale: toLocale(q.from.language_code),
      receivedAt: new Date(),
      raw: q,
    },
  };
}

function sender(from: User): InboundMessage['sender'] {
  const name = [from.first_name, from.last_name].filter(Boolean).join(' ');
  return { id: String(from.id), ...(name ? { name } : {}) };
}

// The secret header proves the update came through Telegram's webhook, not that its fields have
// the types Telegram documents: a field of the wrong type must not fail the turn (a 5xx makes
// Telegram redeliver the update forever).
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isUser = (v: unknown) => isObject(v) && Number.isSafeInteger(v.id) && (v.first_name === undefined || typeof v.first_name === 'string') &&
  (v.last_name === undefined || typeof v.last_name === 'string') && (v.language_code === undefined || typeof v.language_code === 'string');
const isChat = (v: unknown) => isObject(v) && Number.isSafeInteger(v.id) && typeof v.type === 'string';
const optionalText = (v: unknown) => v === undefined || typeof v === 'string';

function wellFormedMessage(m: unknown): boolean {
  return isObject(m) && isChat(m.chat) && Number.isSafeInteger(m.message_id) && typeof m.date === 'number' &&
    (m.from === undefined || isUser(m.from)) && optionalText(m.text) && optionalText(m.caption);
}

function wellFormedCallback(q: unknown): boolean {
  return isObject(q) && typeof q.id === 'string' && q.id.length > 0 && isUser(q.from) && optionalText(q.data) &&
    (q.message === undefined || (isObject(q.message) && (q.message.chat === undefined || isChat(q.message.chat))));
}
