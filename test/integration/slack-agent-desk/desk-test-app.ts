/**
 * One Patron instance with the Slack channel and the Slack agent desk against the fake Web API:
 * the real `startApp` (PGlite in DATA_DIR), the desk wired to the Slack adapter's bolt app the way
 * main.ts is meant to wire it, and helpers that send what Slack sends (signed events, slash
 * commands, button presses).
 */
import type { SlackAgentDesk } from '../../../src/channels/slack/agent-desk/index.js';
import type { SlackAdapter } from '../../../src/channels/slack/slack.adapter.js';
import { silentLogger } from '../../../src/core/logger.js';
import { startApp, type App } from '../../../src/main.js';
import { blockActions, sendSignedEvent, sendSignedInteraction, signedHeaders, slackTs, type FakeSlackApi, type FakeUser, type SlackCall } from '../../fakes/slack-api.fake.js';
import { testClassifier } from '../handoff/workspace.js';
import { until } from '../slack/slack-test-app.js';

export const SIGNING_SECRET = 'slack-desk-signing-secret-0123456789';
export const BOT_TOKEN = 'xoxb-0000-desk-token';
export const DESK = 'CDESK0001';

export interface DeskApp {
  app: App;
  desk: SlackAgentDesk;
  eventsUrl: string;
  stop(): Promise<void>;
}

/** Starts an instance on `dataDir` talking to `fake`; stop it before starting another on the same dir. */
export async function startDeskApp(dataDir: string, fake: FakeSlackApi, channel = DESK): Promise<DeskApp> {
  const app = await startApp({
    env: { DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ADMIN_TOKEN: 'desk-admin-token-0123456789', SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: fake.url, SLACK_AGENT_CHANNEL: channel },
    logger: silentLogger,
    classifier: testClassifier,
  });
  const adapter = app.channels.get('slack') as SlackAdapter | undefined;
  if (!adapter) throw new Error('Slack channel was not built');
  await until(() => adapter.health().ok, 5000, 'Slack adapter to pass auth.test');
  // Built and started by startApp because SLACK_AGENT_CHANNEL is set, as in production.
  const desk = app.slackDesk;
  if (!desk) throw new Error('Slack agent desk was not built');
  return { app, desk, eventsUrl: `${app.url}/slack/events`, stop: () => app.stop() };
}

/** A staff member whose Slack profile carries the same e-mail (so the desk can link them). */
export async function agentInSlack(app: App, fake: FakeSlackApi, slackId: string, name: string, role: 'agent' | 'admin' | 'marketer' = 'agent'): Promise<{ id: string; slackId: string; name: string }> {
  const email = `${name.toLowerCase()}@shop.test`;
  const existing = (await app.staff.list()).find((s) => s.email === email);
  const id = existing?.id ?? (await app.staff.create({ name, role, email })).id;
  fake.users.set(slackId, { id: slackId, name: name.toLowerCase(), real_name: name, profile: { real_name: name, email } } as FakeUser);
  return { id, slackId, name };
}

export interface ChannelMessage {
  user?: string;
  text?: string;
  ts?: string;
  threadTs?: string;
  subtype?: string;
  botId?: string;
  extra?: Record<string, unknown>;
}

/** A signed `message.channels` event in the desk channel (a thread reply when `threadTs` is given). */
export function channelMessage(url: string, m: ChannelMessage, channel = DESK): Promise<Response> {
  const ts = m.ts ?? slackTs();
  const event: Record<string, unknown> = {
    type: 'message', channel, channel_type: 'channel', text: m.text ?? '', ts, event_ts: ts, team: 'T0001',
    ...(m.user ? { user: m.user } : {}), ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
    ...(m.subtype ? { subtype: m.subtype } : {}), ...(m.botId ? { bot_id: m.botId } : {}), ...m.extra,
  };
  const envelope = {
    token: 'legacy-verification-token', team_id: 'T0001', api_app_id: 'A0001', type: 'event_callback', event,
    event_id: `Ev${ts.replace('.', '')}`, event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: 'T0001', user_id: 'UBOT0001', is_bot: true, is_enterprise_install: false }],
  };
  return sendSignedEvent(url, SIGNING_SECRET, envelope);
}

/** A signed `/patron <text>` slash command; resolves with Slack's view of our answer (the ack body). */
export async function slash(url: string, user: string, text: string, channel = DESK): Promise<{ status: number; body: any }> {
  const body = new URLSearchParams({
    token: 'legacy-verification-token', team_id: 'T0001', team_domain: 'patron-test', channel_id: channel, channel_name: 'agents',
    user_id: user, user_name: user.toLowerCase(), command: '/patron', text, api_app_id: 'A0001',
    response_url: 'http://127.0.0.1:9/commands/response', trigger_id: `${Date.now()}.${Math.floor(Math.random() * 1e9)}`,
  }).toString();
  const res = await fetch(url, { method: 'POST', headers: signedHeaders(SIGNING_SECRET, body, 'application/x-www-form-urlencoded'), body });
  const raw = await res.text();
  try {
    return { status: res.status, body: JSON.parse(raw) };
  } catch {
    return { status: res.status, body: raw };
  }
}

/** A signed press of one of the parent message's buttons. */
export function press(url: string, user: string, action: 'claim' | 'handback' | 'resolve', conversationId: string, parentTs: string): Promise<Response> {
  return sendSignedInteraction(url, SIGNING_SECRET, blockActions({ user, channel: DESK, actionId: `patron_desk_${action}`, value: conversationId, messageTs: parentTs, label: action }));
}

/** The parent message posted for a conversation (its buttons carry the conversation id). */
export function parentsOf(fake: FakeSlackApi, conversationId: string, channel = DESK): SlackCall[] {
  return fake.okCallsTo('chat.postMessage').filter((c) => c.params.channel === channel && !c.params.thread_ts && JSON.stringify(c.params.blocks ?? '').includes(conversationId));
}

export async function parentTs(fake: FakeSlackApi, conversationId: string, channel = DESK): Promise<string> {
  await fake.waitFor(() => parentsOf(fake, conversationId, channel).length > 0);
  return (parentsOf(fake, conversationId, channel)[0].response as { ts: string }).ts;
}

/** Texts posted into a thread, in order. */
export function threadTexts(fake: FakeSlackApi, threadTs: string): string[] {
  return fake.okCallsTo('chat.postMessage').filter((c) => c.params.thread_ts === threadTs).map((c) => String(c.params.text));
}

/**
 * Ephemeral answers that `user` got: the fake has no chat.postEphemeral, so these are the desk's
 * in-thread fallback (a mention); a successful ephemeral post would count too.
 */
export function noticesTo(fake: FakeSlackApi, user: string): string[] {
  return [
    ...fake.okCallsTo('chat.postEphemeral').filter((c) => c.params.user === user).map((c) => String(c.params.text)),
    ...fake.okCallsTo('chat.postMessage').filter((c) => String(c.params.text).startsWith(`<@${user}>`)).map((c) => String(c.params.text)),
  ];
}

/** The web chat: a customer message, returning the session token. */
export async function webchatSays(app: App, text: string, sessionId?: string): Promise<string> {
  const res = await fetch(`${app.url}/chat/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sessionId, text }) });
  if (res.status !== 200) throw new Error(`web chat answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { sessionId: string }).sessionId;
}

export async function webchatHistory(app: App, sessionId: string): Promise<Array<{ author: string; text: string }>> {
  const res = await fetch(`${app.url}/chat/history?sessionId=${encodeURIComponent(sessionId)}`);
  return ((await res.json()) as { messages: Array<{ author: string; text: string }> }).messages;
}

export async function webchatConversation(app: App, sessionId: string) {
  const conv = await app.repos.conversations.findByExternal('webchat', app.webchat.sessionId(sessionId));
  if (!conv) throw new Error(`no conversation for web chat session ${sessionId}`);
  return conv;
}

export { until };
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
