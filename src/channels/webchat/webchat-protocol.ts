import { z } from 'zod';
import { LOCALES, type Locale, type OutboundMessage } from '../../core/message.js';
import { MAX_TEXT_LENGTH } from '../../flows/pipeline.js';
import type { TranscriptEntry } from '../../crm/conversations/transcript.repository.js';

/**
 * Web chat WebSocket protocol (`/chat/ws`): one JSON object per text frame.
 *
 * Client → server
 *   {type:'hello', sessionId?, locale?}          start or resume a session (send first)
 *   {type:'message', clientMessageId, text?, payload?, locale?}
 *                                                one visitor message; `payload` is a pressed button
 *   {type:'history'}                             the session's transcript
 *
 * Server → client
 *   {type:'session', sessionId, locale}          answer to hello (a new signed token when none or a forged one was sent)
 *   {type:'ack', clientMessageId}                the message was received and is being handled
 *   {type:'typing', on:true|false, inReplyTo}    the bot is working on `inReplyTo` / has finished it
 *   {type:'reply', message, inReplyTo, locale}   one bot reply {text, quickReplies?, buttons?}
 *   {type:'history', messages}                   transcript entries {direction, author, text, quickReplies?, buttons?, at}
 *   {type:'push', message}                       a message that started elsewhere (agent, campaign)
 *   {type:'error', code, message, clientMessageId?}  a refused frame; the socket stays open
 *
 * Resending: `clientMessageId` is the pipeline's dedupe key (`<session>:<clientMessageId>`), so a
 * message resent after a reconnect is answered with the first delivery's replies, not new ones.
 * A client should keep a message queued until its `typing {on:false}` (or an error naming it) arrives.
 */
const locale = z.enum(LOCALES as [Locale, ...Locale[]]);

const helloFrame = z.object({
  type: z.literal('hello'),
  sessionId: z.string().min(1).max(200).optional(),
  locale: locale.optional(),
});

const messageFrame = z
  .object({
    type: z.literal('message'),
    clientMessageId: z.string().min(1).max(100).regex(/^[\w.:-]+$/, 'may hold only letters, digits and . _ : -'),
    text: z.string().max(MAX_TEXT_LENGTH, `must be at most ${MAX_TEXT_LENGTH} characters`).optional(),
    payload: z.string().min(1).max(200).optional(),
    locale: locale.optional(),
  })
  .refine((f) => (f.text !== undefined && f.text.trim().length > 0) || f.payload !== undefined, {
    message: 'text is required (a non-empty string) unless a button payload is sent',
    path: ['text'],
  });

const historyFrame = z.object({ type: z.literal('history') });

export type HelloFrame = z.infer<typeof helloFrame>;
export type MessageFrame = z.infer<typeof messageFrame>;
export type ClientFrame = HelloFrame | MessageFrame | { type: 'history' };

export type ErrorCode = 'bad_json' | 'bad_frame' | 'unknown_type' | 'too_large' | 'unauthorized' | 'rate_limited' | 'internal' | (string & {});

export type ServerFrame =
  | { type: 'session'; sessionId: string; locale: Locale }
  | { type: 'ack'; clientMessageId: string }
  | { type: 'typing'; on: boolean; inReplyTo: string }
  | { type: 'reply'; message: OutboundMessage; inReplyTo: string; locale: Locale }
  | { type: 'history'; messages: TranscriptEntry[] }
  | { type: 'push'; message: OutboundMessage }
  | { type: 'error'; code: ErrorCode; message: string; clientMessageId?: string };

export type ParseResult = { ok: true; frame: ClientFrame } | { ok: false; code: ErrorCode; message: string; clientMessageId?: string };

const schemas: Record<ClientFrame['type'], z.ZodType<ClientFrame>> = { hello: helloFrame, message: messageFrame, history: historyFrame };

/** Parses and validates one client frame; never throws. */
export function parseClientFrame(raw: string): ParseResult {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return { ok: false, code: 'bad_json', message: 'frame is not valid JSON' };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { ok: false, code: 'bad_frame', message: 'frame must be a JSON object with a "type"' };
  }
  const type = (data as { type?: unknown }).type;
  const schema = typeof type === 'string' && Object.hasOwn(schemas, type) ? schemas[type as ClientFrame['type']] : undefined;
  if (!schema) return { ok: false, code: 'unknown_type', message: `unknown frame type ${JSON.stringify(type ?? null).slice(0, 40)}; expected hello, message or history` };
  const parsed = schema.safeParse(data);
  if (parsed.success) return { ok: true, frame: parsed.data };
  const issue = parsed.error.issues[0];
  const cmid = (data as { clientMessageId?: unknown }).clientMessageId;
  return {
    ok: false,
    code: 'bad_frame',
    message: `${issue?.path.join('.') || type} ${issue?.message ?? 'is invalid'}`,
    ...(typeof cmid === 'string' && cmid.length <= 100 ? { clientMessageId: cmid } : {}),
  };
}

/** The channel-free reply reduced to what the widget renders. */
export function toWire(m: OutboundMessage): OutboundMessage {
  return { text: m.text, ...(m.quickReplies ? { quickReplies: m.quickReplies } : {}), ...(m.buttons ? { buttons: m.buttons } : {}) };
}
