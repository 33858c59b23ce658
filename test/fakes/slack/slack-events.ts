/**
 * Requests as Slack sends them to an app: Events API envelopes (JSON) and interactivity payloads
 * (form-encoded `payload=`), signed with the app's signing secret (`v0` HMAC-SHA256 of
 * `v0:<timestamp>:<body>`).
 */
import { createHmac } from 'node:crypto';

export interface SignOptions {
  /** Seconds since the epoch; default now. */
  timestamp?: number;
  /** Sent as `X-Slack-Retry-Num` (a redelivery). */
  retryNum?: number;
  retryReason?: string;
  /** Replaces the computed signature (forgery tests). */
  signature?: string;
}

/** `v0=<hex>` for a body signed at `timestamp`. */
export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/** The headers Slack would send with `body`. */
export function signedHeaders(secret: string, body: string, contentType: string, options: SignOptions = {}): Record<string, string> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'Content-Type': contentType,
    'X-Slack-Request-Timestamp': String(timestamp),
    'X-Slack-Signature': options.signature ?? slackSignature(secret, timestamp, body),
  };
  if (options.retryNum !== undefined) headers['X-Slack-Retry-Num'] = String(options.retryNum);
  if (options.retryNum !== undefined || options.retryReason) headers['X-Slack-Retry-Reason'] = options.retryReason ?? 'http_timeout';
  return headers;
}

/** POSTs a signed Events API envelope (JSON) to `url`. */
export function sendSignedEvent(url: string, secret: string, envelope: unknown, options: SignOptions = {}): Promise<Response> {
  const body = JSON.stringify(envelope);
  return fetch(url, { method: 'POST', headers: signedHeaders(secret, body, 'application/json', options), body });
}

/** POSTs a signed interactivity payload (`payload=<json>`, form-encoded) to `url`. */
export function sendSignedInteraction(url: string, secret: string, payload: unknown, options: SignOptions = {}): Promise<Response> {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  return fetch(url, { method: 'POST', headers: signedHeaders(secret, body, 'application/x-www-form-urlencoded', options), body });
}

let counter = 0;
/** A unique Slack-style ts (`seconds.micros`). */
export function slackTs(): string {
  counter = (counter + 1) % 1_000_000;
  return `${Math.floor(Date.now() / 1000)}.${String(counter).padStart(6, '0')}`;
}

export interface DmEventInput {
  user: string;
  channel: string;
  text?: string;
  ts?: string;
  subtype?: string;
  botId?: string;
  teamId?: string;
  /** Extra fields merged into the inner event (e.g. `message`, `previous_message` for edits). */
  extra?: Record<string, unknown>;
}

/** An `event_callback` envelope carrying a `message.im` event. */
export function dmEvent(input: DmEventInput): Record<string, unknown> {
  const ts = input.ts ?? slackTs();
  const team = input.teamId ?? 'T0001';
  const event: Record<string, unknown> = {
    type: 'message', channel: input.channel, channel_type: 'im', user: input.user, text: input.text ?? '', ts, event_ts: ts, team,
    ...(input.subtype ? { subtype: input.subtype } : {}),
    ...(input.botId ? { bot_id: input.botId } : {}),
    ...input.extra,
  };
  return {
    token: 'legacy-verification-token', team_id: team, api_app_id: 'A0001', type: 'event_callback', event,
    event_id: `Ev${ts.replace('.', '')}`, event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: team, user_id: 'UBOT0001', is_bot: true, is_enterprise_install: false }],
  };
}

export interface BlockActionInput {
  user: string;
  channel: string;
  value?: string;
  actionId?: string;
  label?: string;
  url?: string;
  actionTs?: string;
  triggerId?: string;
  messageTs?: string;
  blocks?: unknown[];
  teamId?: string;
}

/** A `block_actions` payload for a press of a button in a DM message. */
export function blockActions(input: BlockActionInput): Record<string, unknown> {
  const team = input.teamId ?? 'T0001';
  const messageTs = input.messageTs ?? slackTs();
  const action: Record<string, unknown> = {
    type: 'button', action_id: input.actionId ?? 'patron_qr_0', block_id: 'patron_qr_0',
    text: { type: 'plain_text', text: input.label ?? 'Button', emoji: true }, action_ts: input.actionTs ?? slackTs(),
  };
  if (input.value !== undefined) action.value = input.value;
  if (input.url !== undefined) action.url = input.url;
  return {
    type: 'block_actions', team: { id: team, domain: 'patron-test' }, user: { id: input.user, username: 'customer', name: 'customer', team_id: team },
    api_app_id: 'A0001', token: 'legacy-verification-token', trigger_id: input.triggerId ?? `${Date.now()}.${Math.floor(Math.random() * 1e9)}`,
    container: { type: 'message', message_ts: messageTs, channel_id: input.channel, is_ephemeral: false },
    channel: { id: input.channel, name: 'directmessage' },
    message: { type: 'message', user: 'UBOT0001', bot_id: 'BBOT0001', text: 'menu', ts: messageTs, blocks: input.blocks ?? [] },
    response_url: 'http://127.0.0.1:9/response', actions: [action],
  };
}

/** The `url_verification` handshake Slack sends when the Request URL is saved. */
export function urlVerification(challenge: string): Record<string, unknown> {
  return { token: 'legacy-verification-token', challenge, type: 'url_verification' };
}
