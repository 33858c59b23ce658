/** Channel identifiers known to the pipeline; the Botkit bridge adds its own (`botkit:<name>`). */
export type ChannelId = 'telegram' | 'slack' | 'webchat' | 'console' | 'email' | (string & {});

export type Locale = 'en' | 'zh-CN';
export const LOCALES: readonly Locale[] = ['en', 'zh-CN'];

/** A button that sends `payload` back as the next message when pressed (or opens `url`). */
export interface Button {
  label: string;
  payload?: string;
  url?: string;
}

export interface Attachment {
  type: 'image' | 'file' | 'link';
  url: string;
  name?: string;
}

/** One message from a customer, normalised by a channel adapter. */
export interface InboundMessage {
  /** Platform's id for this message (update id, event id, client message id): the dedupe key. */
  id: string;
  channel: ChannelId;
  /** Platform's id of the chat/thread the message belongs to. */
  conversation: string;
  /** Platform's id of the sender. */
  sender: { id: string; name?: string };
  text?: string;
  /** Button payload when the customer pressed a button instead of typing. */
  payload?: string;
  attachments: Attachment[];
  locale?: Locale;
  receivedAt: Date;
  raw?: unknown;
}

/** A channel-free reply; an adapter falls back to plain text for what it cannot show. */
export interface OutboundMessage {
  text: string;
  quickReplies?: Button[];
  buttons?: Button[];
  attachments?: Attachment[];
}

/** Normalises a locale tag to one the bot speaks, or undefined. */
export function toLocale(tag: string | undefined | null): Locale | undefined {
  if (!tag) return undefined;
  const t = tag.toLowerCase();
  if (t.startsWith('zh')) return 'zh-CN';
  if (t.startsWith('en')) return 'en';
  return undefined;
}

/** Plain-text rendering of a message, for channels without buttons. */
export function toPlainText(message: OutboundMessage): string {
  const options = [...(message.quickReplies ?? []), ...(message.buttons ?? [])];
  if (options.length === 0) return message.text;
  const list = options.map((b, i) => `${i + 1}. ${b.label}${b.url ? ` (${b.url})` : ''}`).join('\n');
  return `${message.text}\n${list}`;
}
