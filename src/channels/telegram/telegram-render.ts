import { createHash } from 'node:crypto';
import type { Button, OutboundMessage } from '../../core/message.js';

/** Telegram's limit on one message's text (UTF-16 code units, as the Bot API counts). */
export const MAX_MESSAGE_LENGTH = 4096;
/** Telegram's limit on a button's callback_data, in bytes. */
export const MAX_CALLBACK_DATA_BYTES = 64;
const HASH_PREFIX = '#h:';

type InlineButton = { text: string; callback_data: string } | { text: string; url: string };

/** One sendMessage call: a chunk of text, the keyboard on the last chunk. */
export interface TelegramPart {
  text: string;
  reply_markup?: { inline_keyboard: InlineButton[][] };
}

/** Where long button payloads are kept so any instance can resolve them (the coordination store). */
export interface SharedKeys {
  set(key: string, value: string, ttlMs: number): Promise<boolean>;
  get(key: string): Promise<string | null>;
  delete(key: string): Promise<void>;
}

/** A pressed button can come weeks later (old chat history); after this its long payload is forgotten. */
const SHARED_TTL_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * Button payloads longer than Telegram's 64-byte callback_data limit are sent as a short hash and
 * resolved here. The map lives in this process (bounded, oldest first out); with a shared store
 * (Redis when several instances run) each new hash is also written there before the message goes
 * out ({@link flush}) and looked up there for a press this process has not seen ({@link load}), so a
 * button works after a restart and on any instance for 30 days. Payloads up to 64 bytes — all of
 * the bot's own (`intent:<name>`) — need no mapping at all.
 */
export class CallbackDataStore {
  private readonly map = new Map<string, string>();
  private unsaved: Array<[string, string]> = [];

  constructor(private readonly capacity = 10_000, private readonly shared?: SharedKeys) {}

  /** callback_data for a payload (the payload itself when it fits). */
  encode(payload: string): string {
    if (Buffer.byteLength(payload) <= MAX_CALLBACK_DATA_BYTES && !payload.startsWith(HASH_PREFIX)) return payload;
    const key = HASH_PREFIX + createHash('sha256').update(payload).digest('base64url').slice(0, 22);
    this.remember(key, payload);
    if (this.shared) this.unsaved.push([key, payload]);
    return key;
  }

  /** Writes hashes made since the last flush to the shared store; call before sending the message. */
  async flush(): Promise<void> {
    if (!this.shared || this.unsaved.length === 0) return;
    const batch = this.unsaved;
    this.unsaved = [];
    try {
      await Promise.all(batch.map(([key, payload]) => this.shared!.set(`tg:cb:${key}`, payload, SHARED_TTL_MS)));
    } catch (err) {
      this.unsaved.push(...batch);
      throw err;
    }
  }

  /** Fetches a hashed payload this process does not know from the shared store (before {@link decode}). */
  async load(data: string): Promise<void> {
    if (!this.shared || !data.startsWith(HASH_PREFIX) || this.map.has(data)) return;
    const payload = await this.shared.get(`tg:cb:${data}`);
    if (payload !== null) this.remember(data, payload);
  }

  /** The payload behind callback_data; undefined for a hashed payload nobody knows any more. */
  decode(data: string): string | undefined {
    if (!data.startsWith(HASH_PREFIX)) return data;
    return this.map.get(data);
  }

  private remember(key: string, payload: string): void {
    this.map.delete(key);
    this.map.set(key, payload);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value!);
  }
}

/** Renders a channel-free message as one or more sendMessage payloads (text split at 4096). */
export function renderMessage(message: OutboundMessage, callbacks: CallbackDataStore): TelegramPart[] {
  let text = message.text;
  // Attachments are sent as links: Telegram shows a preview for the first one.
  for (const a of message.attachments ?? []) text += `\n${a.name ? `${a.name}: ` : ''}${a.url}`;
  if (!text.trim()) text = '…';
  const chunks = splitText(text, MAX_MESSAGE_LENGTH);
  const keyboard = inlineKeyboard([...(message.quickReplies ?? []), ...(message.buttons ?? [])], callbacks);
  return chunks.map((chunk, i) => (i === chunks.length - 1 && keyboard ? { text: chunk, reply_markup: keyboard } : { text: chunk }));
}

function inlineKeyboard(buttons: Button[], callbacks: CallbackDataStore): TelegramPart['reply_markup'] | undefined {
  if (buttons.length === 0) return undefined;
  const rendered: InlineButton[] = buttons.map((b) =>
    b.url ? { text: b.label, url: b.url } : { text: b.label, callback_data: callbacks.encode(b.payload ?? b.label) },
  );
  // Short labels two to a row, long ones on their own row, so labels are not cut off on phones.
  const rows: InlineButton[][] = [];
  for (const button of rendered) {
    const last = rows[rows.length - 1];
    if (last && last.length === 1 && last[0].text.length <= 20 && button.text.length <= 20) last.push(button);
    else rows.push([button]);
  }
  return { inline_keyboard: rows };
}

/** Splits text into chunks of at most `max` UTF-16 units, preferring paragraph, line and word breaks. */
export function splitText(text: string, max: number): string[] {
  const chunks: string[] = [];
  let rest = text;
  while (rest.length > max) {
    let cut = -1;
    for (const sep of ['\n\n', '\n', ' ']) {
      const at = rest.lastIndexOf(sep, max - sep.length);
      if (at >= max * 0.5) {
        cut = at + sep.length;
        break;
      }
    }
    if (cut < 0) cut = max;
    // Never split a surrogate pair (emoji, rare CJK).
    const code = rest.charCodeAt(cut - 1);
    if (code >= 0xd800 && code <= 0xdbff) cut--;
    chunks.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  if (rest.length > 0 || chunks.length === 0) chunks.push(rest);
  return chunks;
}
