import type { Attachment, InboundMessage } from '../../core/message.js';
import { MAX_TEXT_LENGTH } from '../../flows/pipeline.js';
import { BUTTON_ACTION } from './slack-blocks.js';

/** The fields of a Slack `message` event we read (the SDK's union type is far wider). */
export interface SlackMessageEvent {
  type: string;
  subtype?: string;
  channel?: string;
  channel_type?: string;
  user?: string;
  bot_id?: string;
  app_id?: string;
  text?: string;
  ts?: string;
  thread_ts?: string;
  files?: Array<{ name?: string; mimetype?: string; url_private?: string; permalink?: string }>;
}

/** The fields of a `block_actions` interactivity payload we read. */
export interface SlackBlockActions {
  type: string;
  trigger_id?: string;
  user?: { id?: string; name?: string; username?: string };
  channel?: { id?: string };
  container?: { channel_id?: string; message_ts?: string };
  message?: { ts?: string; text?: string; blocks?: Array<Record<string, unknown>> };
  actions?: Array<{ action_id?: string; value?: string; action_ts?: string; url?: string; text?: { text?: string } }>;
}

// A customer's own words: plain messages, and files shared with a caption. Everything else
// (edits, deletions, joins, bot posts, thread broadcasts) is not a new customer message.
const CUSTOMER_SUBTYPES = new Set([undefined, 'file_share']);

/**
 * A direct message from a customer as an InboundMessage, or null when the event is not one:
 * not a DM, a bot's or our own post, an edit/deletion, or nothing to read. The id uses the
 * message's own ts so a redelivery (`X-Slack-Retry-Num`) dedupes.
 */
export function inboundFromMessage(event: SlackMessageEvent, botUserId: string | undefined, receivedAt = new Date()): InboundMessage | null {
  if (event.type !== 'message' || event.channel_type !== 'im') return null;
  if (!CUSTOMER_SUBTYPES.has(event.subtype)) return null;
  if (event.bot_id || !isText(event.user) || !isText(event.channel) || !isText(event.ts)) return null;
  if (botUserId !== undefined && event.user === botUserId) return null;
  // A signed event is still outside input: fields of the wrong type are read as absent.
  const text = fromSlackText(isText(event.text) ? event.text : '').slice(0, MAX_TEXT_LENGTH);
  const attachments = (Array.isArray(event.files) ? event.files : []).flatMap(toAttachment);
  // The pipeline needs words or a payload; a file shared without a caption has neither, so it is skipped.
  if (!text.trim()) return null;
  return {
    id: `evt:${event.channel}:${event.ts}`,
    channel: 'slack',
    conversation: event.channel,
    sender: { id: event.user },
    text,
    attachments,
    receivedAt,
    raw: event,
  };
}

/** A press of one of our buttons as an InboundMessage carrying its payload, or null (url buttons, foreign actions). */
export function inboundFromAction(body: SlackBlockActions, receivedAt = new Date()): InboundMessage | null {
  const action = body.actions?.[0];
  const conversation = body.channel?.id ?? body.container?.channel_id;
  const user = body.user?.id;
  if (body.type !== 'block_actions' || !action?.action_id || !BUTTON_ACTION.test(action.action_id)) return null;
  // A url button only opens a link; Slack still reports the press, but there is nothing to answer.
  if (!isText(action.value) || !isText(conversation) || !isText(user)) return null;
  const key = action.action_ts ?? body.trigger_id;
  if (!isText(key)) return null;
  return {
    id: `act:${key}`,
    channel: 'slack',
    conversation,
    sender: { id: user, name: body.user?.name ?? body.user?.username },
    payload: action.value,
    attachments: [],
    receivedAt,
    raw: { type: body.type, action_id: action.action_id, value: action.value, label: action.text?.text },
  };
}

/**
 * Slack's message markup as plain words: `<@U1>` → `@U1`, `<https://x|label>` → `label (https://x)`,
 * `<mailto:a@b|a@b>` → `a@b`, entities decoded.
 */
export function fromSlackText(text: string): string {
  return text
    .replace(/<([^<>|]+)(?:\|([^<>]*))?>/g, (_m, target: string, label: string | undefined) => {
      if (/^[@#]/.test(target)) return label ? `${target[0]}${label}` : target;
      if (target.startsWith('!')) return label ?? `@${target.slice(1)}`;
      if (target.startsWith('mailto:')) return label ?? target.slice('mailto:'.length);
      return label && label !== target ? `${label} (${target})` : target;
    })
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function toAttachment(file: NonNullable<SlackMessageEvent['files']>[number]): Attachment[] {
  const url = file?.url_private ?? file?.permalink;
  if (!isText(url)) return [];
  return [{ type: isText(file.mimetype) && file.mimetype.startsWith('image/') ? 'image' : 'file', url, name: isText(file.name) ? file.name : undefined }];
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}
