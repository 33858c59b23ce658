/**
 * A session full of secrets and personal data, run through an app whose logger writes to memory
 * at debug level: none of it may appear in the log.
 */
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dmEvent, slackSignature } from '../fakes/slack-api.fake.js';
import { privateTextUpdate } from '../fakes/telegram-api.fake.js';
import {
  ADMIN_TOKEN, SHOP_SECRET, SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, TELEGRAM_SECRET, startSecurityKit, type SecurityKit,
} from './security-kit.js';

const EMAIL = 'grace.hopper.secret@example.com';
const PHONE = '+49 170 5551234';
const CARD = '4111 1111 1111 1111';

let kit: SecurityKit;
let log = '';
beforeAll(async () => {
  const sink = new PassThrough();
  sink.on('data', (chunk) => (log += String(chunk)));
  kit = await startSecurityKit({ logTo: sink });
});
afterAll(async () => {
  await kit?.stop();
});

describe('secrets never reach the log', () => {
  it('keeps tokens, webhook secrets, e-mails and phone numbers out of a debug-level log', async () => {
    // Shop: a customer with e-mail and phone, a forged event, a malformed one.
    await kit.shopEvent('customer.upserted', { id: 'log-1', name: 'Grace', email: EMAIL, phone: PHONE });
    await kit.request('POST', '/webhooks/shop', { body: '{"id":"x"}', headers: { 'x-shop-signature': `sha256=${'1'.repeat(64)}` } });
    await kit.shop('{"id":"bad","type":"customer.upserted","occurredAt":"2024-01-01T00:00:00Z","data":{"id":"z","email":"not-an-email ' + EMAIL + '"}}');
    // Web chat: personal data in messages, including a failed link attempt.
    const s = (await kit.chat(`hi, my email is ${EMAIL} and phone ${PHONE}, card ${CARD}`)).body.sessionId;
    await kit.chat(`where is my order A1023? call ${PHONE}`, s);
    await kit.chat(`my admin token is ${ADMIN_TOKEN}`, s);
    await kit.request('GET', `/chat/history?sessionId=${encodeURIComponent(s)}`);
    // Admin API with the admin token, and with a wrong one that looks like a token.
    const staff = await kit.request('POST', '/api/users', { body: { name: 'Ops', role: 'agent', email: 'ops.secret@example.com', password: 'correct horse battery staple' } });
    await kit.request('GET', '/api/customers?q=' + encodeURIComponent(EMAIL));
    await kit.request('GET', '/api/me', { token: staff.body.token });
    await kit.request('GET', '/api/customers', { token: 'wrong-token-0123456789abcdefghijklmnop' });
    await kit.request('POST', '/api/auth/login', { body: { email: 'ops.secret@example.com', password: 'correct horse battery staple' }, token: null });
    // Telegram with the right and a wrong secret; Slack signed and forged.
    await kit.request('POST', '/telegram/webhook', { body: JSON.stringify(privateTextUpdate({ id: 880001, text: `mail me at ${EMAIL}` })), headers: { 'x-telegram-bot-api-secret-token': TELEGRAM_SECRET } });
    await kit.request('POST', '/telegram/webhook', { body: '{}', headers: { 'x-telegram-bot-api-secret-token': `${TELEGRAM_SECRET}-guess` } });
    const body = JSON.stringify(dmEvent({ user: 'U0LOG', channel: 'D0LOG', text: `phone ${PHONE}` }));
    const ts = Math.floor(Date.now() / 1000);
    await kit.request('POST', '/slack/events', { body, headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': slackSignature(SLACK_SIGNING_SECRET, ts, body) } });
    await kit.request('POST', '/slack/events', { body, headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': 'v0=' + 'f'.repeat(64) } });
    // Let the outbox send the Telegram and Slack replies (their API calls carry the bot tokens).
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && !(kit.telegram.calls.some((c) => c.method === 'sendMessage') && kit.slack.calls.some((c) => c.method === 'chat.postMessage'))) await new Promise((r) => setTimeout(r, 50));
    expect(log.length, 'the capturing logger received nothing').toBeGreaterThan(0);

    const secrets: Record<string, string> = {
      'admin token': ADMIN_TOKEN, 'staff token': staff.body.token, 'shop secret': SHOP_SECRET, 'telegram webhook secret': TELEGRAM_SECRET,
      'telegram bot token': kit.telegram.token, 'slack signing secret': SLACK_SIGNING_SECRET, 'slack bot token': SLACK_BOT_TOKEN,
      'web chat session': s, 'e-mail': EMAIL, 'staff e-mail': 'ops.secret@example.com', password: 'correct horse battery staple',
      phone: PHONE, 'phone digits': PHONE.replace(/\D/g, ''), card: CARD,
    };
    const leaks = Object.entries(secrets).filter(([, v]) => v && (log.includes(v) || log.includes(JSON.stringify(v).slice(1, -1))));
    expect(leaks.map(([k]) => k), `leaked into the log:\n${leaks.map(([k, v]) => `${k}: …${log.slice(Math.max(0, log.indexOf(v) - 200), log.indexOf(v) + 80)}…`).join('\n')}`).toEqual([]);
  });
});
