import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { newId } from '../../../src/core/ids.js';
import { ConsentRepository } from '../../../src/crm/consent/consent.repository.js';
import { ConversationRepository } from '../../../src/crm/conversations/conversation.repository.js';
import { TurnLogRepository } from '../../../src/crm/conversations/turn-log.repository.js';
import { CustomerRepository } from '../../../src/crm/customers/customer.repository.js';
import { signIdentityLink } from '../../../src/crm/shop/index.js';
import { shopEventSchema } from '../../../src/crm/shop/shop-webhook.schema.js';
import type { Store } from '../../../src/storage/database.js';
import { customerEvent, orderEvent, SECRET, useShopKit } from '../shop/shop-kit.js';

/** Customer profiles, identity linking, export and erasure, on PGlite and PostgreSQL. */
export function describeCustomersContract(name: string, open: () => Promise<Store | null>): void {
  describe(`customers: ${name}`, () => {
    const env = useShopKit(open);
    const db = () => env.store!.db;
    const shopEvent = (body: unknown) => env.kit.module.shopWebhook.handle(shopEventSchema.parse(body));

    /** A shop customer with a verified email identity, and a Telegram visitor who chatted once. */
    async function seed() {
      const shopId = `shop-${newId().slice(0, 8)}`;
      const email = `${shopId}@example.com`;
      await shopEvent(customerEvent({ id: shopId, email, name: 'Ana Shop', locale: 'en', tags: ['vip'] }));
      const targetId = (await new CustomerRepository(db()).findIdByShopId(shopId))!;
      const telegramId = `tg-${newId().slice(0, 8)}`;
      const visitorId = await new CustomerRepository(db()).createWithIdentity({ channel: 'telegram', externalId: telegramId, displayName: 'Ana Shop', at: new Date() });
      const conversation = await new ConversationRepository(db()).ensure('telegram', telegramId, visitorId);
      await new TurnLogRepository(db()).commit({
        inbound: { id: newId(), channel: 'telegram', externalId: `m-${newId()}`, conversationId: conversation.id, customerId: visitorId, text: 'my address is 1 Main St', payload: null, locale: 'en', intent: 'greeting', confidence: 0.9, flow: 'greeting', receivedAt: new Date() },
        replies: [{ message: { text: 'Thanks Ana!' }, kind: 'reply', delivered: false }],
        recipient: telegramId,
        state: {},
      });
      return { shopId, email, targetId, telegramId, visitorId, conversation, identity: { channel: 'telegram', externalId: telegramId } };
    }

    async function sentCode(recipient: string): Promise<string> {
      const row = await db().selectFrom('outbox').selectAll().where('recipient', '=', recipient).where('dedupe_key', 'like', 'link-code:%').orderBy('id', 'desc').executeTakeFirstOrThrow();
      expect(row.kind).toBe('system');
      return /\b(\d{6})\b/.exec(row.message.text)![1];
    }

    it('links a new channel identity with the right code and moves its conversation over', async (t) => {
      if (!env.store) return t.skip();
      const s = await seed();
      const request = await env.kit.module.customers.requestLinkCode(s.identity, { channel: 'email', externalId: s.email.toUpperCase() });
      expect(request).toMatchObject({ status: 'sent' });
      const code = await sentCode(s.email);
      const stored = await db().selectFrom('identity_link_codes').selectAll().where('external_id', '=', s.telegramId).executeTakeFirstOrThrow();
      expect(stored.code_hash).not.toContain(code);
      expect(stored.expires_at.getTime() - env.kit.clock.now().getTime()).toBe(10 * 60_000);

      const outcome = await env.kit.module.customers.confirmLinkCode(s.identity, code);
      expect(outcome).toEqual({ status: 'linked', customerId: s.targetId, previousCustomerId: s.visitorId, deletedPlaceholder: true });
      const target = await env.kit.module.customers.get(s.targetId);
      expect(target?.identities.map((i) => [i.channel, i.verified]).sort()).toEqual([['email', true], ['telegram', true]]);
      expect((await new ConversationRepository(db()).findById(s.conversation.id))?.customer_id).toBe(s.targetId);
      const inbound = await db().selectFrom('inbound_messages').select('customer_id').where('conversation_id', '=', s.conversation.id).execute();
      expect(inbound.map((r) => r.customer_id)).toEqual([s.targetId]);
      expect(await env.kit.module.customers.get(s.visitorId)).toBeUndefined();
      expect(await env.kit.module.customers.confirmLinkCode(s.identity, code)).toEqual({ status: 'no_pending_code' });
    });

    it('keeps the old customer when other records still point at it after linking', async (t) => {
      if (!env.store) return t.skip();
      const s = await seed();
      await ensureLedger(env.store!, s.visitorId);
      const claim = { shopCustomerId: s.shopId, channel: 'telegram', externalId: s.telegramId, expiry: 4102444800 };
      expect(await env.kit.module.customers.linkBySignedLink(claim, signIdentityLink(SECRET, claim))).toMatchObject({ status: 'linked', deletedPlaceholder: false });
      expect((await env.kit.module.customers.get(s.visitorId))?.identities).toEqual([]);
    });

    it('refuses a wrong code and says how many attempts are left', async (t) => {
      if (!env.store) return t.skip();
      const s = await seed();
      await env.kit.module.customers.requestLinkCode(s.identity, { channel: 'email', externalId: s.email });
      const code = await sentCode(s.email);
      const wrong = code === '000000' ? '000001' : '000000';
      expect(await env.kit.module.customers.confirmLinkCode(s.identity, wrong)).toEqual({ status: 'wrong_code', attemptsLeft: 4 });
      expect(await new CustomerRepository(db()).findIdByIdentity('telegram', s.telegramId)).toBe(s.visitorId);
    });

    it('refuses a code after its ten minutes are up', async (t) => {
      if (!env.store) return t.skip();
      const s = await seed();
      await env.kit.module.customers.requestLinkCode(s.identity, { channel: 'email', externalId: s.email });
      const code = await sentCode(s.email);
      env.kit.clock.advance(10 * 60_000 + 1);
      expect(await env.kit.module.customers.confirmLinkCode(s.identity, code)).toEqual({ status: 'expired' });
      expect(await new CustomerRepository(db()).findIdByIdentity('telegram', s.telegramId)).toBe(s.visitorId);
    });

    it('locks a code after five wrong attempts, even against the right one', async (t) => {
      if (!env.store) return t.skip();
      const s = await seed();
      await env.kit.module.customers.requestLinkCode(s.identity, { channel: 'email', externalId: s.email });
      const code = await sentCode(s.email);
      const wrong = code === '111111' ? '222222' : '111111';
      const left = [];
      for (let i = 0; i < 5; i++) left.push(await env.kit.module.customers.confirmLinkCode(s.identity, wrong));
      expect(left.map((o) => (o.status === 'wrong_code' ? o.attemptsLeft : o.status))).toEqual([4, 3, 2, 1, 0]);
      expect(await env.kit.module.customers.confirmLinkCode(s.identity, code)).toEqual({ status: 'too_many_attempts' });
      expect(await new CustomerRepository(db()).findIdByIdentity('telegram', s.telegramId)).toBe(s.visitorId);
    });

    it('sends no code to an address no customer has verified, and throttles repeated requests', async (t) => {
      if (!env.store) return t.skip();
      const s = await seed();
      expect(await env.kit.module.customers.requestLinkCode(s.identity, { channel: 'email', externalId: 'nobody@example.com' })).toEqual({ status: 'no_verified_identity' });
      const outcomes = [];
      for (let i = 0; i < 6; i++) outcomes.push((await env.kit.module.customers.requestLinkCode(s.identity, { channel: 'email', externalId: s.email })).status);
      expect(outcomes).toEqual(['sent', 'sent', 'sent', 'sent', 'sent', 'throttled']);
    });

    it('links by a link the shop signed, and refuses a tampered or expired one', async (t) => {
      if (!env.store) return t.skip();
      const s = await seed();
      const expiry = Math.floor(env.kit.clock.now().getTime() / 1000) + 600;
      const claim = { shopCustomerId: s.shopId, channel: 'telegram', externalId: s.telegramId, expiry };
      const signature = signIdentityLink(SECRET, claim);
      expect(await env.kit.module.customers.linkBySignedLink({ ...claim, externalId: 'tg-attacker' }, signature)).toEqual({ status: 'invalid_signature' });
      expect(await env.kit.module.customers.linkBySignedLink(claim, signIdentityLink('wrong-secret', claim))).toEqual({ status: 'invalid_signature' });
      const stale = { ...claim, expiry: Math.floor(env.kit.clock.now().getTime() / 1000) - 1 };
      expect(await env.kit.module.customers.linkBySignedLink(stale, signIdentityLink(SECRET, stale))).toEqual({ status: 'expired' });
      expect(await new CustomerRepository(db()).findIdByIdentity('telegram', s.telegramId)).toBe(s.visitorId);
      expect(await env.kit.module.customers.linkBySignedLink(claim, signature)).toMatchObject({ status: 'linked', customerId: s.targetId });
      expect(await new CustomerRepository(db()).findIdByIdentity('telegram', s.telegramId)).toBe(s.targetId);
    });

    it('never joins two customers because their display names match', async (t) => {
      if (!env.store) return t.skip();
      const repo = new CustomerRepository(db());
      const a = await repo.createWithIdentity({ channel: 'slack', externalId: `U${newId()}`, displayName: 'Sam', at: new Date() });
      const b = await repo.createWithIdentity({ channel: 'webchat', externalId: newId(), displayName: 'Sam', at: new Date() });
      expect(a).not.toBe(b);
    });

    it('updates a profile, adds and removes tags, and names a bad field', async (t) => {
      if (!env.store) return t.skip();
      const s = await seed();
      const updated = await env.kit.module.customers.updateProfile(s.targetId, { phone: '+44 20 7946 0000', birthday: '1991-02-28', timezone: 'Asia/Shanghai', locale: 'zh-CN', addTags: ['returning', 'vip'], removeTags: [] });
      expect(updated).toMatchObject({ phone: '+44 20 7946 0000', birthday: '1991-02-28', timezone: 'Asia/Shanghai', locale: 'zh-CN', tags: ['returning', 'vip'] });
      expect((await env.kit.module.customers.updateProfile(s.targetId, { removeTags: ['vip'], name: null })).tags).toEqual(['returning']);
      await expect(env.kit.module.customers.updateProfile(s.targetId, { birthday: '1991-02-30' })).rejects.toThrow(/^birthday:/);
      await expect(env.kit.module.customers.updateProfile(s.targetId, { timezone: 'Mars/Olympus' })).rejects.toThrow(/^timezone:/);
      await expect(env.kit.module.customers.updateProfile(newId(), { name: 'x' })).rejects.toMatchObject({ code: 'not_found' });
    });

    it('does not write a profile update over an erase that commits while the update waits', async (t) => {
      if (!env.store) return t.skip();
      const s = await seed();
      let inside!: () => void;
      const erasing = new Promise<void>((r) => (inside = r));
      let finish!: () => void;
      const held = new Promise<void>((r) => (finish = r));
      // The erase holds its transaction open (in its audit step) while the update starts.
      const erase = env.kit.module.customers.erase(s.targetId, async () => {
        inside();
        await held;
      });
      await erasing;
      const update = env.kit.module.customers.updateProfile(s.targetId, { name: 'Ana Again', phone: '+49 30 2222222' });
      const settled = update.then(() => 'done', () => 'failed');
      await new Promise((r) => setTimeout(r, 150));
      finish();
      await erase;
      await expect(update).rejects.toMatchObject({ code: 'conflict' });
      expect(await settled).toBe('failed');
      expect(await env.kit.module.customers.get(s.targetId)).toMatchObject({ name: null, phone: null, email: null });
    });

    it('searches by text, tag and shop id, a page at a time', async (t) => {
      if (!env.store) return t.skip();
      const marker = `zq${newId().slice(0, 6)}`;
      for (let i = 0; i < 5; i++) {
        await shopEvent(customerEvent({ id: `${marker}-${i}`, email: `${marker}.${i}@example.com`, name: `Kim ${marker}`, tags: i % 2 ? ['odd', marker] : [marker] }));
      }
      const byText = await env.kit.module.customers.search({ q: marker.toUpperCase(), limit: 2 });
      expect([byText.total, byText.items.length]).toEqual([5, 2]);
      const next = await env.kit.module.customers.search({ q: marker, limit: 2, offset: 4 });
      expect(next.items).toHaveLength(1);
      expect((await env.kit.module.customers.search({ tag: marker, q: 'odd' })).total).toBe(0);
      expect((await env.kit.module.customers.search({ tag: 'odd', q: marker })).total).toBe(2);
      expect((await env.kit.module.customers.search({ shopId: `${marker}-3` })).items.map((c) => c.email)).toEqual([`${marker}.3@example.com`]);
      expect((await env.kit.module.customers.search({ q: '%' })).items.every((c) => (c.name ?? c.email ?? c.phone ?? '').includes('%'))).toBe(true);
    });

    it('exports everything held about a customer', async (t) => {
      if (!env.store) return t.skip();
      const s = await seed();
      await env.kit.module.customers.linkBySignedLink(
        { shopCustomerId: s.shopId, channel: 'telegram', externalId: s.telegramId, expiry: 4102444800 },
        signIdentityLink(SECRET, { shopCustomerId: s.shopId, channel: 'telegram', externalId: s.telegramId, expiry: 4102444800 }),
      );
      await shopEvent(orderEvent('paid', { id: `E-${s.shopId}`, customerId: s.shopId }));
      await new ConsentRepository(db()).append({ customerId: s.targetId, channel: 'telegram', purpose: 'marketing', granted: true, source: 'web_form' });
      await ensureLedger(env.store!, s.targetId);

      const data = await env.kit.module.customers.export(s.targetId);
      expect(data.profile).toMatchObject({ id: s.targetId, email: s.email, name: 'Ana Shop', tags: ['vip'] });
      expect(data.identities.map((i) => i.channel).sort()).toEqual(['email', 'telegram']);
      expect(data.conversations).toHaveLength(1);
      expect(data.conversations[0].transcript.map((e) => e.text)).toEqual(['my address is 1 Main St', 'Thanks Ana!']);
      expect(data.orders.map((o) => o.id)).toEqual([`E-${s.shopId}`]);
      expect(data.consents).toHaveLength(1);
      expect(Object.keys(data.related)).toContain('points_ledger');
      expect(data.related.points_ledger).toHaveLength(1);
      expect(JSON.parse(JSON.stringify(data)).profile.id).toBe(s.targetId);
    });

    it('erases personal data but keeps the customer id, orders, totals and ledger rows', async (t) => {
      if (!env.store) return t.skip();
      const s = await seed();
      const claim = { shopCustomerId: s.shopId, channel: 'telegram', externalId: s.telegramId, expiry: 4102444800 };
      await env.kit.module.customers.linkBySignedLink(claim, signIdentityLink(SECRET, claim));
      const orderId = `R-${s.shopId}`;
      await shopEvent(orderEvent('paid', { id: orderId, customerId: s.shopId, total: 80, shippingAddress: { line1: '1 Main St', city: 'Berlin' } }));
      await env.kit.module.customers.updateProfile(s.targetId, { phone: '+49 30 1111111', birthday: '1990-01-01' });
      await ensureLedger(env.store!, s.targetId);
      const ledgerBefore = await sql`select * from points_ledger where customer_id = ${s.targetId}`.execute(db());
      expect(ledgerBefore.rows).toHaveLength(1);

      // The audit row commits with the erase: an audit that cannot be written leaves nothing erased.
      await expect(env.kit.module.customers.erase(s.targetId, async () => { throw new Error('audit log down'); })).rejects.toThrow(/audit log down/);
      expect((await env.kit.module.customers.get(s.targetId))?.erasedAt).toBeNull();
      const result = await env.kit.module.customers.erase(s.targetId);
      expect(result.customerId).toBe(s.targetId);
      const after = await env.kit.module.customers.get(s.targetId);
      expect(after).toMatchObject({ id: s.targetId, name: null, email: null, phone: null, birthday: null, tags: [], identities: [], lifetimeSpend: 80, orderCount: 1 });
      expect(after?.erasedAt).toBeInstanceOf(Date);
      const texts = await db().selectFrom('inbound_messages').select('text').where('conversation_id', '=', s.conversation.id).execute();
      expect(texts.map((r) => r.text)).toEqual(['[erased]']);
      const out = await db().selectFrom('outbox').select(['message', 'recipient']).where('conversation_id', '=', s.conversation.id).execute();
      expect(out.map((r) => [r.message.text, r.recipient])).toEqual([['[erased]', '[erased]']]);
      const order = await db().selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirstOrThrow();
      expect([order.customer_id, Number(order.total), order.shipping_address]).toEqual([s.targetId, 80, null]);
      expect((await sql`select * from points_ledger where customer_id = ${s.targetId}`.execute(db())).rows).toEqual(ledgerBefore.rows);
      expect(JSON.stringify(await env.kit.module.customers.export(s.targetId))).not.toMatch(/Ana|example\.com|Main St|1111111/);
      await expect(env.kit.module.customers.updateProfile(s.targetId, { name: 'Back' })).rejects.toMatchObject({ code: 'conflict' });
      await shopEvent(customerEvent({ id: s.shopId, email: s.email, name: 'Ana Shop' }));
      expect((await env.kit.module.customers.get(s.targetId))?.email).toBeNull();
      expect(await new CustomerRepository(db()).findIdByIdentity('telegram', s.telegramId)).toBeUndefined();
    });
  });
}

/**
 * Gives the customer a `points_ledger` row: in the loyalty module's table when its migration is
 * present, else in a minimal stand-in with the same core columns.
 */
async function ensureLedger(store: Store, customerId: string): Promise<void> {
  await sql`create table if not exists points_ledger (id bigserial primary key, customer_id uuid not null, delta integer not null, kind text not null, idempotency_key text not null unique, reason text)`.execute(store.db);
  await sql`insert into points_ledger (customer_id, delta, kind, idempotency_key, reason) values (${customerId}, 120, 'adjust', ${`test:${newId()}`}, 'test')`.execute(store.db);
}
