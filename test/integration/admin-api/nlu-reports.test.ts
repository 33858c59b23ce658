import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCustomer, startAdminKit, type AdminKit } from './admin-kit.js';

let kit: AdminKit;
const today = () => new Date().toISOString().slice(0, 10);
// The pipeline's classifier in this file: "track…" is understood, everything else is out of scope.
const stub = { classify: (text: string) => (/track/i.test(text) ? { intent: 'track_order', confidence: 0.9 } : { intent: 'oos', confidence: 0.8 }) };

async function say(text: string): Promise<void> {
  const res = await fetch(`${kit.url}/chat/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text, locale: 'en' }) });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  kit = await startAdminKit({ classifier: stub });
  // Four web chat sessions: one understood, three not (two of them the same words).
  await say('track my parcel please');
  await say('blorp zibble');
  await say('Blorp   zibble!');
  await say('do you sell unicorn saddles');
  // Shop customers and orders: shop-1 buys twice, shop-2 once.
  for (const id of ['shop-1', 'shop-2']) expect(await kit.shop('customer.upserted', { id, email: `${id}@example.com` })).toBe(200);
  const order = (id: string, customerId: string) => ({ id, customerId, status: 'paid', total: 40, currency: 'USD', items: [{ sku: 'A', quantity: 1, price: 40 }], createdAt: new Date().toISOString() });
  expect(await kit.shop('order.paid', order('o-1', 'shop-1'))).toBe(200);
  expect(await kit.shop('order.paid', order('o-2', 'shop-1'))).toBe(200);
  expect(await kit.shop('order.paid', order('o-3', 'shop-2'))).toBe(200);
}, 120_000);
afterAll(async () => {
  await kit?.stop();
});

describe('reports', () => {
  it('overview numbers match the seeded conversations, members, points, tickets and orders', async () => {
    const members = [];
    for (const shopId of ['shop-1', 'shop-2']) {
      const id = (await kit.app.repos.customers.findIdByShopId(shopId))!;
      await kit.app.crm.loyalty.enroll(id, { termsAccepted: true });
      members.push(id);
    }
    const chatOnly = await seedCustomer(kit.app, { name: 'Tix' });
    await kit.app.crm.loyalty.enroll(chatOnly, { termsAccepted: true });
    members.push(chatOnly);
    await kit.call('POST', `/api/customers/${chatOnly}/points`, { body: { delta: 500, reason: 'welcome gift' } });
    await kit.call('POST', `/api/customers/${chatOnly}/points`, { body: { delta: -120, reason: 'correction' } });
    const open = await kit.app.crm.tickets.create({ customerId: chatOnly, channel: 'webchat', category: 'other', subject: 'Question' });
    const done = await kit.app.crm.tickets.create({ customerId: chatOnly, channel: 'webchat', category: 'other', subject: 'Solved' });
    await kit.app.crm.tickets.update(done.number, { status: 'resolved' }, 'tester');
    const breached = await kit.app.crm.tickets.detectBreaches(new Date(Date.now() + 30 * 86_400_000));
    expect(breached.map((t) => t.number)).toContain(open.number);

    const outstanding = (await Promise.all(members.map((m) => kit.app.crm.loyalty.balance(m)))).reduce((s, b) => s + b.total, 0);
    const tiers = new Map<string, number>();
    for (const m of members) {
      const tier = (await kit.app.crm.loyalty.member(m))!.tier;
      tiers.set(tier, (tiers.get(tier) ?? 0) + 1);
    }
    await expect.poll(async () => (await kit.call('GET', '/api/reports/overview?days=30')).body.intentMix?.length, { timeout: 10_000 }).toBeGreaterThan(0);
    const res = await kit.call('GET', '/api/reports/overview?days=30');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      conversationsPerChannelPerDay: [{ day: today(), channel: 'webchat', count: 4 }],
      intentMix: [{ intent: 'oos', count: 3 }, { intent: 'track_order', count: 1 }],
      fallbackRate: 0.75,
      points: { issued: outstanding + 120, redeemed: 0, outstanding },
      ticketsByStatus: expect.arrayContaining([{ status: 'open', count: 1 }, { status: 'resolved', count: 1 }]),
      slaBreaches: breached.length,
      campaignFunnel: { sent: 0, replied: 0, converted: 0 },
      repeatPurchaseRate: 0.5,
      churnRisk: { atRisk: 0, total: 2 },
    });
    expect(new Map(res.body.membersByTier.map((t: any) => [t.tier, t.count]))).toEqual(tiers);
  });

  it('validates the window and keeps reports to admins', async () => {
    const bad = await kit.call('GET', '/api/reports/overview?days=0');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^days/);
    expect((await kit.call('GET', '/api/reports/overview?timezone=Mars/Olympus')).body.error.message).toMatch(/^timezone/);
    expect((await kit.call('GET', '/api/reports/overview', { token: await kit.tokenFor('marketer') })).status).toBe(403);
  });

  it('lists not-understood messages with a count of similar ones, most frequent first', async () => {
    const res = await kit.call('GET', '/api/reports/unrecognised?limit=10');
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(2);
    expect(res.body.items[0]).toMatchObject({ text: 'Blorp   zibble!', locale: 'en', count: 2, at: expect.any(String) });
    expect(res.body.items[1]).toMatchObject({ text: 'do you sell unicorn saddles', count: 1 });
    expect((await kit.call('GET', '/api/reports/unrecognised?limit=1')).body.items).toHaveLength(1);
  });
});

describe('intents and training phrases', () => {
  it('lists intents with phrase counts per locale and shows one intent\'s phrases', async () => {
    const list = await kit.call('GET', '/api/intents');
    expect(list.status).toBe(200);
    const track = list.body.items.find((i: any) => i.name === 'track_order');
    expect(track.phrases.en).toBeGreaterThan(10);
    expect(track.phrases['zh-CN']).toBeGreaterThan(5);
    expect(track.added).toBe(0);
    const one = await kit.call('GET', '/api/intents/track_order?locale=en');
    expect(one.body.phrases.every((p: any) => p.locale === 'en' && p.source === 'config')).toBe(true);
    expect((await kit.call('GET', '/api/intents/no_such_intent')).status).toBe(404);
  });

  it('adds phrases (skipping ones it has), validates the request, and the unrecognised list drops them', async () => {
    const added = await kit.call('POST', '/api/intents/product_question/phrases', { body: { locale: 'en', phrases: ['do you sell unicorn saddles', 'Do you sell  unicorn saddles', 'any unicorn saddles in stock'] } });
    expect(added.status).toBe(201);
    expect(added.body.added).toEqual(['do you sell unicorn saddles', 'any unicorn saddles in stock']);
    expect(added.body.skipped).toEqual(['Do you sell  unicorn saddles']);
    const bad = await kit.call('POST', '/api/intents/product_question/phrases', { body: { locale: 'fr', phrases: ['bonjour'] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^locale/);
    expect((await kit.call('POST', '/api/intents/made_up/phrases', { body: { locale: 'en', phrases: ['hello there'] } })).status).toBe(404);
    const left = await kit.call('GET', '/api/reports/unrecognised');
    expect(left.body.items.map((i: any) => i.text)).toEqual(['Blorp   zibble!']);
    const counts = (await kit.call('GET', '/api/intents')).body.items.find((i: any) => i.name === 'product_question');
    expect(counts.added).toBe(2);
  });

  it('retrains with the added phrases, hands the new model over, and the new phrase classifies', async () => {
    const phrase = 'quetzal barometer xylophone';
    await kit.call('POST', '/api/intents/points_balance/phrases', { body: { locale: 'en', phrases: [phrase, 'xylophone barometer quetzal points', 'quetzal xylophone barometer'] } });
    const res = await kit.call('POST', '/api/intents/retrain');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ swapped: true, added: 5, intents: expect.any(Number) });
    expect(kit.swapped).toHaveLength(1);
    expect(kit.swapped[0].classify(phrase).intent).toBe('points_balance');
    const viaApi = await kit.call('POST', '/api/intents/classify', { body: { text: phrase } });
    expect(viaApi.body.intent).toBe('points_balance');
    expect((await kit.call('POST', '/api/intents/retrain', { token: await kit.tokenFor('agent') })).status).toBe(403);
  }, 120_000);
});

describe('retraining and its audit row', () => {
  it('keeps the old model when the retrain cannot be audited', async () => {
    const before = kit.swapped.length;
    await sql`alter table audit_log rename to audit_log_away`.execute(kit.app.store.db);
    try {
      expect((await kit.call('POST', '/api/intents/retrain')).status).toBe(500);
    } finally {
      await sql`alter table audit_log_away rename to audit_log`.execute(kit.app.store.db);
    }
    expect(kit.swapped.length).toBe(before);
  }, 120_000);
});

describe('after a restart', () => {
  it('retrains at start-up only when admins have added phrases', async () => {
    const before = kit.swapped.length;
    const result = await kit.api.intents.retrainIfAdded();
    expect(result?.added).toBe(5);
    expect(kit.swapped.length).toBe(before + 1);
  }, 120_000);
});
