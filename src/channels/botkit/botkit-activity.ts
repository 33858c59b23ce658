import { randomUUID } from 'node:crypto';
import { toLocale, toPlainText, type Attachment, type Button, type ChannelId, type InboundMessage, type OutboundMessage } from '../../core/message.js';
import { DeliveryError } from '../channel-adapter.js';
import type { ActivityLike } from './botkit-loader.js';

/**
 * How replies are shown on a Botkit adapter: `quick_replies` (Botkit web client, Facebook
 * Messenger), `suggested_actions` (Bot Framework channels) or `plain` text with numbered options
 * (SMS, Webex, anything unknown).
 */
export type BotkitRenderStyle = 'quick_replies' | 'suggested_actions' | 'plain';

/** Picks the richest rendering the adapter is known to support. */
export function renderStyleFor(adapter: any): BotkitRenderStyle {
  const name = String(adapter?.name ?? '');
  if (name === 'Web Adapter' || name === 'Facebook Adapter') return 'quick_replies';
  // Botkit's built-in adapter and any other Bot Framework adapter talk to a connector service.
  if (typeof adapter?.createConnectorClient === 'function') return 'suggested_actions';
  return 'plain';
}

function payloadOf(activity: ActivityLike): string | undefined {
  const value = activity.value;
  if (typeof value === 'string' && value) return value;
  if (value && typeof value === 'object' && typeof (value as { payload?: unknown }).payload === 'string') {
    return (value as { payload: string }).payload;
  }
  const data = activity.channelData ?? {};
  const candidates = [data.postback?.payload, data.message?.quick_reply?.payload, data.quick_reply?.payload];
  return candidates.find((c): c is string => typeof c === 'string' && c.length > 0);
}

function attachmentsOf(activity: ActivityLike): Attachment[] {
  return (activity.attachments ?? [])
    .filter((a) => typeof a.contentUrl === 'string' && a.contentUrl.length > 0)
    .map((a) => ({ type: a.contentType?.startsWith('image/') ? 'image' : 'file', url: a.contentUrl!, ...(a.name ? { name: a.name } : {}) }));
}

/** Ids, conversations and senders longer than this are refused (the pipeline takes ids up to 200). */
const MAX_ID = 128;

function plainId(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID ? value : undefined;
}

/**
 * Normalises a Botkit `message` activity. The dedupe key is the platform's activity id; the web
 * adapter sends none, so a client-supplied message id (`id` or `mid` of the client's message, which
 * the adapter keeps as `channelData`) is used, scoped to the sender — clients count from 1 and must
 * not swallow each other's messages — else a fresh id (no dedupe). Null when the conversation or
 * sender is missing or not a plain id (web adapter clients choose their own `user`).
 */
export function activityToInbound(activity: ActivityLike, channel: ChannelId, now: Date = new Date()): InboundMessage | null {
  const conversation = plainId(activity.conversation?.id);
  const senderId = plainId(activity.from?.id);
  if (!conversation || !senderId) return null;
  const clientId = plainId(activity.channelData?.id) ?? plainId(activity.channelData?.mid);
  const id = activity.id ?? (clientId ? `client:${senderId}:${clientId}` : `gen:${randomUUID()}`);
  const payload = payloadOf(activity);
  const text = typeof activity.text === 'string' && activity.text.length > 0 ? activity.text : undefined;
  return {
    id, channel, conversation,
    sender: { id: senderId, ...(activity.from?.name ? { name: activity.from.name } : {}) },
    ...(text !== undefined ? { text } : {}),
    ...(payload !== undefined && payload !== text ? { payload } : {}),
    attachments: attachmentsOf(activity),
    locale: toLocale(activity.locale),
    receivedAt: now,
    raw: activity,
  };
}

function withLinks(text: string, links: Button[]): string {
  if (links.length === 0) return text;
  return `${text}\n${links.map((b) => `${b.label}: ${b.url}`).join('\n')}`;
}

/** Renders a Patron reply as the message object Botkit's `bot.say` takes for that adapter. */
export function outboundToBotkit(message: OutboundMessage, style: BotkitRenderStyle): Record<string, unknown> {
  const options = [...(message.quickReplies ?? []), ...(message.buttons ?? [])];
  if (style === 'plain' || options.length === 0) return { type: 'message', text: toPlainText(message) };
  const choices = options.filter((b) => !b.url);
  const text = withLinks(message.text, options.filter((b) => b.url));
  if (choices.length === 0) return { type: 'message', text };
  if (style === 'quick_replies') {
    return { type: 'message', text, quick_replies: choices.map((b) => ({ content_type: 'text', title: b.label, payload: b.payload ?? b.label })) };
  }
  return {
    type: 'message', text,
    suggestedActions: { actions: choices.map((b) => ({ type: 'imBack', title: b.label, value: b.payload ?? b.label })) },
  };
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED',
  'EHOSTUNREACH', 'ENETUNREACH', 'ESOCKETTIMEDOUT', 'REQUEST_SEND_ERROR',
]);

function statusOf(err: any): number | undefined {
  const status = err?.statusCode ?? err?.status ?? err?.response?.status ?? err?.response?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

function retryAfterOf(err: any): number | undefined {
  const headers = err?.response?.headers;
  const raw = typeof headers?.get === 'function' ? headers.get('retry-after') : headers?.['retry-after'];
  const seconds = Number(raw);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}

/** Maps what a Botkit adapter threw to the outbox's view: network, 429 and 5xx → retry, the rest permanent. */
export function toDeliveryError(err: unknown, context: string): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const e = err as any;
  const status = statusOf(e);
  const detail = `${context}: ${e?.message ?? String(err)}`;
  if (status === 429) return new DeliveryError('retry', detail, retryAfterOf(e));
  if (status !== undefined && status >= 500) return new DeliveryError('retry', detail);
  if (status === undefined) {
    const code = String(e?.code ?? e?.cause?.code ?? '');
    if (NETWORK_CODES.has(code) || code.startsWith('UND_ERR') || ['AbortError', 'TimeoutError', 'FetchError'].includes(e?.name)) {
      return new DeliveryError('retry', detail);
    }
  }
  return new DeliveryError('permanent', detail);
}
