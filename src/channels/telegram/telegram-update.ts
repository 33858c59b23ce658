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
  if ('message' in update && update.message) return fromMessage(update.message);
  if ('callback_query' in update && update.callback_query) return fromCallback(update.callback_query, callbacks);
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
      receivedAt: new Date(m.date * 1000),
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
