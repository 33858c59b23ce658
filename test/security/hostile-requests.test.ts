/**
 * Forged and replayed signatures, SQL injection probes, stored XSS payloads, and one customer
 * asking about another's order or ticket — against one real instance (see security-kit.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signShopBody } from '../../src/crm/shop/index.js';
import { dmEvent, slackSignature } from '../fakes/slack-api.fake.js';
import { privateTextUpdate } from '../fakes/telegram-api.fake.js';
import { SHOP_SECRET, SLACK_SIGNING_SECRET, TELEGRAM_SECRET, isJsonError, startSecurityKit, type SecurityKit } from './security-kit.js';

let kit: SecurityKit;
beforeAll(async () => {
  kit = await startSecurityKit();
});
afterAll(async () => {
  await kit?.stop();
});

const TABLES = ['customers', 'orders', 'products', 'tickets', 'inbound_messages', 'shop_events', 'staff_users', 'points_ledger'];
const snapshot = async () => Object.fromEntries(await Promise.all(TABLES.map(async (t) => [t, await kit.count(t)] as const)));

function customerEvent(id: string, name = 'Ada') {
  return JSON.stringify({ id: `evt-${id}-${Date.now()}`, type: 'customer.upserted', occurredAt: new Date().toISOString(), data: { id, name, email: `${id}@example.com` } });
}

describe('forged and replayed signatures', () => {
  it('refuses a shop event with a missing, wrong, truncated or other-body signature with 401 and applies nothing', async () => {
    const raw = customerEvent('forged-1');
    const good = signShopBody(SHOP_SECRET, raw);
    const before = await snapshot();
    for (const signature of [undefined, '', 'sha256=', `sha256=${'0'.repeat(64)}`, good.slice(0, -2), good.toUpperCase().replace('SHA256=', 'sha256=X'), signShopBody('wrong-secret', raw), signShopBody(SHOP_SECRET, `${raw} `), good.replace('sha256=', 'sha1=')]) {
      const r = await kit.request('POST', '/webhooks/shop', { body: raw, headers: signature === undefined ? {} : { 'x-shop-signature': signature } });
      expect(r.status, `signature ${signature}`).toBe(401);
      expect(isJsonError(r)).toBe(true);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('applies a replayed shop event (same id, valid signature) once', async () => {
    const raw = customerEvent('replay-1');
    const first = await kit.shop(raw);
    expect(first.status).toBe(200);
    const after = await snapshot();
    const again = await kit.shop(raw);
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('duplicate');
    expect(await snapshot()).toEqual(after);
  });

  it('refuses Slack requests signed with the wrong secret, for another body, or outside the 5-minute window', async () => {
    const before = await snapshot();
    const body = JSON.stringify(dmEvent({ user: 'U0FORGE', channel: 'D0FORGE', text: 'hello' }));
    const now = Math.floor(Date.now() / 1000);
    const cases: Array<[string, number, string | undefined]> = [
      ['wrong secret', now, slackSignature('not-the-secret', now, body)],
      ['other body', now, slackSignature(SLACK_SIGNING_SECRET, now, `${body} `)],
      ['replayed 6 minutes later', now - 360, slackSignature(SLACK_SIGNING_SECRET, now - 360, body)],
      ['from the future', now + 360, slackSignature(SLACK_SIGNING_SECRET, now + 360, body)],
      ['signed at another time', now, slackSignature(SLACK_SIGNING_SECRET, now - 1, body)],
      ['missing', now, undefined],
      ['v1 scheme', now, slackSignature(SLACK_SIGNING_SECRET, now, body).replace('v0=', 'v1=')],
    ];
    for (const [what, ts, signature] of cases) {
      const headers: Record<string, string> = { 'content-type': 'application/json', 'x-slack-request-timestamp': String(ts), ...(signature ? { 'x-slack-signature': signature } : {}) };
      const r = await kit.request('POST', '/slack/events', { body, headers });
      expect(r.status, what).toBe(401);
    }
    expect(await snapshot()).toEqual(before);
    expect(kit.slack.calls.filter((c) => c.method === 'chat.postMessage' && c.params.channel === 'D0FORGE')).toHaveLength(0);
  });

  it('refuses Telegram updates without the exact secret header and processes nothing', async () => {
    const before = await snapshot();
    const update = JSON.stringify(privateTextUpdate({ id: 777001, text: 'hello' }));
    for (const secret of [undefined, '', 'wrong', TELEGRAM_SECRET.slice(0, -1), `${TELEGRAM_SECRET}0`, TELEGRAM_SECRET.toUpperCase()]) {
      const r = await kit.request('POST', '/telegram/webhook', { body: update, headers: secret === undefined ? {} : { 'x-telegram-bot-api-secret-token': secret } });
      expect(r.status, `secret ${secret}`).toBe(401);
      expect(isJsonError(r)).toBe(true);
    }
    expect(await snapshot()).toEqual(before);
    expect(kit.telegram.calls.filter((c) => c.method === 'sendMessage' && c.payload.chat_id === 777001)).toHaveLength(0);
  });
});

const INJECTIONS = ["'; DROP TABLE customers; --", "' OR 1=1 --", "' OR '1'='1", '$1', '$1) OR (1=1', '\\', "\\'; DROP TABLE orders; --", '%', '_', "1; SELECT pg_sleep(5)", "') UNION SELECT token FROM staff_users --"];

describe('SQL injection probes', () => {
  it('answers every admin filter and query parameter normally and leaves the tables intact', async () => {
    expect((await kit.shop(customerEvent('sqli-cust', 'Grace'))).status).toBe(200);
    const before = await snapshot();
    const doc = (await kit.request('GET', '/api/openapi.json')).body;
    let probes = 0;
    for (const [path, methods] of Object.entries<Record<string, any>>(doc.paths)) {
      const get = methods.get;
      if (!get || path.includes('{')) continue;
      const names: string[] = (get.parameters ?? []).filter((p: { in: string }) => p.in === 'query').map((p: { name: string }) => p.name);
      for (const name of names) {
        for (const probe of INJECTIONS) {
          const full = path.startsWith('/api') ? path : `/api${path}`;
          const r = await kit.request('GET', `${full}?${name}=${encodeURIComponent(probe)}`);
          probes++;
          expect(r.status, `${full}?${name}=${probe} → ${r.text.slice(0, 200)}`).toBeLessThan(500);
          if (r.status === 200 && Array.isArray(r.body?.items)) expect(r.body.items.length, `${full}?${name}=${probe} matched rows`).toBe(0);
          if (r.status >= 400) expect(isJsonError(r)).toBe(true);
        }
      }
    }
    expect(probes).toBeGreaterThan(50);
    // Path parameters too.
    for (const probe of INJECTIONS) {
      for (const path of ['/api/customers/', '/api/tickets/', '/api/products/', '/api/segments/', '/api/intents/']) {
        const r = await kit.request('GET', `${path}${encodeURIComponent(probe)}`);
        expect(r.status, `${path}${probe}`).toBeLessThan(500);
        expect([400, 404, 413]).toContain(r.status);
      }
    }
    expect(await snapshot()).toEqual(before);
    const all = await kit.request('GET', '/api/customers?limit=200');
    expect(all.body.items.some((c: { name: string }) => c.name === 'Grace')).toBe(true);
  });

  it('treats injection text in chat as words: normal replies, stored verbatim, tables intact', async () => {
    const before = await snapshot();
    let session: string | undefined;
    for (const probe of INJECTIONS) {
      const r = await kit.chat(probe, session);
      expect(r.status, probe).toBe(200);
      expect(Array.isArray(r.body.replies), probe).toBe(true);
      session = r.body.sessionId;
    }
    const history = await kit.request('GET', `/chat/history?sessionId=${encodeURIComponent(session!)}`);
    const said = history.body.messages.filter((m: { direction: string }) => m.direction === 'in').map((m: { text: string }) => m.text);
    expect(said).toEqual(INJECTIONS);
    const after = await snapshot();
    expect(after.inbound_messages).toBe(before.inbound_messages + INJECTIONS.length);
    // The visitor became a customer; nothing else changed.
    expect(after.customers).toBe(before.customers + 1);
    expect({ ...after, inbound_messages: 0, customers: 0 }).toEqual({ ...before, inbound_messages: 0, customers: 0 });
  });
});

const XSS = ['<script>alert("x")</script>', '<img src=x onerror=alert(1)>', 'javascript:alert(document.cookie)', '"><svg onload=alert(1)>', "';alert(1);//"];

describe('stored XSS payloads', () => {
  it('stores names and messages with markup and reads them back unchanged, as JSON, never HTML', async () => {
    for (const [i, payload] of XSS.entries()) {
      expect((await kit.shop(customerEvent(`xss-${i}`, payload))).status).toBe(200);
    }
    const list = await kit.request('GET', '/api/customers?limit=200');
    expect(list.headers.get('content-type')).toMatch(/^application\/json/);
    expect(list.headers.get('x-content-type-options')).toBe('nosniff');
    const names = list.body.items.map((c: { name: string }) => c.name);
    for (const payload of XSS) expect(names).toContain(payload);

    const product = { sku: 'XSS-1', name: XSS[1], price: 9.5, currency: 'USD', description: XSS[0], category: 'test', attributes: { link: XSS[2] } };
    const pr = await kit.shop(JSON.stringify({ id: `evt-xss-product-${Date.now()}`, type: 'product.upserted', occurredAt: new Date().toISOString(), data: product }));
    expect(pr.status).toBe(200);
    const got = await kit.request('GET', '/api/products/XSS-1');
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toMatch(/^application\/json/);
    expect(got.body.name).toBe(XSS[1]);
    expect(got.body.description).toBe(XSS[0]);

    let session: string | undefined;
    for (const payload of XSS) session = (await kit.chat(payload, session)).body.sessionId;
    const history = await kit.request('GET', `/chat/history?sessionId=${encodeURIComponent(session!)}`);
    expect(history.headers.get('content-type')).toMatch(/^application\/json/);
    expect(history.body.messages.filter((m: { direction: string }) => m.direction === 'in').map((m: { text: string }) => m.text)).toEqual(XSS);
    const conversations = await kit.request('GET', '/api/conversations');
    expect(conversations.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('JSON errors that echo input are JSON too (a 404 path with markup is not reflected as HTML)', async () => {
    const r = await kit.request('GET', `/${encodeURIComponent('<script>alert(1)</script>')}`);
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    const q = await kit.request('GET', `/chat/history?sessionId=${encodeURIComponent('<img src=x onerror=alert(1)>')}`);
    expect(q.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('serves the pages with a Content-Security-Policy that forbids inline and foreign scripts', async () => {
    for (const page of ['/', '/index.html', '/admin/', '/widget.js', '/unsubscribe?t=forged']) {
      const r = await fetch(`${kit.url}${page}`);
      const csp = r.headers.get('content-security-policy') ?? '';
      expect(csp, page).toMatch(/script-src 'self'(;|$)/);
      expect(csp, page).not.toMatch(/unsafe-eval/);
      expect(csp, page).toMatch(/object-src 'none'/);
      expect(csp, page).toMatch(/frame-ancestors 'self'/);
      expect(r.headers.get('x-content-type-options'), page).toBe('nosniff');
    }
    // The pages keep working under that policy: no inline <script> blocks or on* handler attributes.
    const html = await (await fetch(`${kit.url}/`)).text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    const admin = await (await fetch(`${kit.url}/admin/`)).text();
    expect(admin).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
  });
});

describe('one customer asking about another\'s order or ticket', () => {
  it('gets the same neutral answer as for an order that does not exist, over chat and the API', async () => {
    const orderOf = (id: string, customerId: string) => ({ id, customerId, status: 'shipped', total: 123.45, currency: 'USD', items: [{ sku: 'SKU-SECRET', quantity: 1, price: 123.45 }], createdAt: '2024-05-01T10:00:00Z', trackingNumber: 'TRACK-SECRET-999', carrier: 'DHL' });
    expect((await kit.shopEvent('customer.upserted', { id: 'idor-alice', name: 'Alice Secret', email: 'alice@example.com' })).status).toBe(200);
    expect((await kit.shopEvent('customer.upserted', { id: 'idor-bob', name: 'Bob', email: 'bob@example.com' })).status).toBe(200);
    expect((await kit.shopEvent('order.shipped', orderOf('A7001', 'idor-alice'))).status).toBe(200);
    expect((await kit.shopEvent('order.shipped', orderOf('B7002', 'idor-bob'))).status).toBe(200);

    const bob = (await kit.chat('hello')).body.sessionId as string;
    const linked = await kit.linkSession(bob, 'idor-bob');
    expect(linked.status).toBe(200);
    const own = await kit.chat('where is my order B7002', bob);
    expect(JSON.stringify(own.body.replies)).toContain('B7002');

    const other = await kit.chat('where is my order A7001', bob);
    const missing = await kit.chat('where is my order Z7003', bob);
    const neutral = (r: typeof other) => JSON.stringify(r.body.replies).replaceAll('A7001', '#').replaceAll('Z7003', '#');
    expect(neutral(other)).toBe(neutral(missing));
    for (const secret of ['TRACK-SECRET-999', 'Alice', 'alice@example.com', '123.45', 'SKU-SECRET', 'DHL']) expect(JSON.stringify(other.body.replies)).not.toContain(secret);

    // Alice's ticket, asked about by Bob.
    const alice = await kit.app.crm.customers.get((await kit.request('GET', '/api/customers?shopId=idor-alice')).body.items[0].id);
    const ticket = await kit.app.crm.tickets.create({ customerId: alice!.id, channel: 'webchat', category: 'other', subject: 'Alice private complaint about A7001' });
    const askOther = await kit.chat(`what about my ticket ${ticket.number}`, bob);
    const askMissing = await kit.chat('what about my ticket T-999999', bob);
    const neutralTicket = (r: typeof other) => JSON.stringify(r.body.replies).replaceAll(ticket.number, '#').replaceAll('T-999999', '#');
    expect(neutralTicket(askOther)).toBe(neutralTicket(askMissing));
    expect(JSON.stringify(askOther.body.replies)).not.toContain('private complaint');

    // Another visitor's transcript cannot be read by guessing or forging a session.
    const forged = `${bob.slice(0, bob.lastIndexOf('.'))}.${'A'.repeat(32)}`;
    const stolen = await kit.request('GET', `/chat/history?sessionId=${encodeURIComponent(forged)}`);
    expect(stolen.status).toBe(401);
    expect(JSON.stringify(stolen.body)).not.toContain('B7002');
  });

  it('keeps order and ticket data behind the right staff role on the API', async () => {
    const marketer = (await kit.request('POST', '/api/users', { body: { name: 'Mallory', role: 'marketer' } })).body.token as string;
    const tickets = await kit.request('GET', '/api/tickets', { token: marketer });
    expect(tickets.status).toBe(403);
    expect(isJsonError(tickets)).toBe(true);
    const conversations = await kit.request('GET', '/api/conversations', { token: marketer });
    expect(conversations.status).toBe(403);
    const anonymous = await kit.request('GET', '/api/customers', { token: null });
    expect(anonymous.status).toBe(401);
  });
});
