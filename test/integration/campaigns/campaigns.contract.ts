import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../../src/core/ids.js';
import { silentLogger } from '../../../src/core/logger.js';
import { CampaignAudienceRepository } from '../../../src/crm/campaigns/campaign-audience.repository.js';
import { CampaignDeliveryRepository } from '../../../src/crm/campaigns/campaign-delivery.repository.js';
import { CampaignResultsRepository } from '../../../src/crm/campaigns/campaign-results.repository.js';
import { nextCronFire, quietHoursEnd } from '../../../src/crm/campaigns/campaign-time.js';
import { CampaignRepository } from '../../../src/crm/campaigns/campaign.repository.js';
import { CampaignService, CampaignWorker } from '../../../src/crm/campaigns/index.js';
import type { Db } from '../../../src/storage/database.js';
import type { Store } from '../../../src/storage/database.js';
import { deliveries, NOON_UTC, openKit, runAll, type Kit } from './campaign-kit.js';

/** Campaign lifecycle, audience, delivery and results — the same on PGlite and PostgreSQL. */
export function describeCampaignContract(name: string, open: () => Promise<Store | null>): void {
  describe(`campaigns: ${name}`, () => {
    let kit: Kit | null = null;
    beforeAll(async () => {
      const store = await open();
      if (store) kit = await openKit(store);
    });
    afterAll(async () => {
      await kit?.close();
    });
    const k = () => kit!;

    it('refuses approval by the campaign author and by a marketer', async ({ skip }) => {
      if (!kit) return skip();
      const segment = await k().segments.create({ name: `s-${newId()}`, filter: {} });
      const admin = { id: newId(), name: 'Solo Admin', role: 'admin' as const };
      const c = await k().module.campaigns.create({ name: 'own', segmentId: segment.id, channels: ['telegram'], messages: { en: { text: 'x' } }, schedule: { at: NOON_UTC.toISOString() } }, admin);
      await expect(k().module.campaigns.approve(c.id, admin)).rejects.toMatchObject({ status: 403, message: expect.stringMatching(/different admin than its author/) });
      await expect(k().module.campaigns.approve(c.id, k().author)).rejects.toMatchObject({ status: 403 });
      await expect(k().module.campaigns.schedule(c.id)).rejects.toMatchObject({ status: 409 });
      expect((await k().module.campaigns.approve(c.id, k().approver)).status).toBe('approved');
      await expect(k().module.campaigns.approve(c.id, k().approver)).rejects.toMatchObject({ status: 409 });
    });

    it('materialises recipients once, picking the first consented reachable channel, with suppressed counts by reason', async ({ skip }) => {
      if (!kit) return skip();
      const a = await k().addCustomer({ name: 'Ann', identities: ['telegram'], consent: ['telegram'] });
      const b = await k().addCustomer({ name: 'Bo', email: 'bo@example.test', identities: ['telegram'], consent: ['email'] });
      const c = await k().addCustomer({ name: 'Cy', identities: ['telegram'] });
      const d = await k().addCustomer({ name: 'Di', consent: ['telegram'] });
      const bounced = await k().addCustomer({ name: 'Ed', email: 'ed@example.test', consent: ['email'] });
      await k().db.insertInto('identities').values({ id: newId(), customer_id: bounced, channel: 'email', external_id: 'Ed@example.test', display_name: null, unreachable_at: new Date(), unreachable_reason: '550' }).execute();
      const id = await k().launch([a, b, c, d, bounced]);
      const preview = await k().module.campaigns.preview(id);
      expect(preview).toMatchObject({ segmentSize: 5, audience: 2, suppressed: { no_consent: 1, unreachable: 2 } });
      expect(await k().module.trigger.tick()).toBe(1);
      expect(await k().module.trigger.tick()).toBe(0);
      const rows = await deliveries(k().db, id);
      const by = Object.fromEntries(rows.map((r) => [r.customer_id, r]));
      expect(by[a]).toMatchObject({ channel: 'telegram', state: 'queued' });
      expect(by[b]).toMatchObject({ channel: 'email', recipient: 'bo@example.test', state: 'queued' });
      expect(by[c]).toMatchObject({ channel: null, state: 'skipped', reason: 'no_consent' });
      expect(by[d]).toMatchObject({ channel: null, state: 'skipped', reason: 'unreachable' });
      expect(by[bounced]).toMatchObject({ channel: null, state: 'skipped', reason: 'unreachable' });
      const runs = await k().db.selectFrom('campaign_runs').selectAll().where('campaign_id', '=', id).execute();
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ targeted: 5, suppressed: { no_consent: 1, unreachable: 2 } });
    });

    it('fires once when two triggers race for the same campaign', async ({ skip }) => {
      if (!kit) return skip();
      const a = await k().addCustomer({ identities: ['telegram'], consent: ['telegram'] });
      const id = await k().launch([a]);
      const fired = await Promise.all([k().module.trigger.tick(), k().module.trigger.tick(), k().module.trigger.tick()]);
      expect(fired.reduce((s, n) => s + n, 0)).toBe(1);
      expect(await deliveries(k().db, id)).toHaveLength(1);
    });

    it('sends personalised messages with the unsubscribe hint once, and records outcomes and results per locale', async ({ skip }) => {
      if (!kit) return skip();
      const en = await k().addCustomer({ name: 'Eve', identities: ['telegram'], consent: ['telegram'] });
      const zh = await k().addCustomer({ name: '王芳', locale: 'zh-CN', identities: ['telegram'], consent: ['telegram'] });
      const mail = await k().addCustomer({ name: 'Max', email: 'max@example.test', consent: ['email'] });
      const id = await k().launch([en, zh, mail]);
      const before = k().channels.telegram.sent.length;
      await runAll(k());
      await runAll(k());
      const mine = new Set((await deliveries(k().db, id)).map((r) => r.recipient));
      const tg = k().channels.telegram.sent.slice(before).filter((s) => mine.has(s.to));
      expect(tg).toHaveLength(2);
      expect(tg.map((s) => s.message.text)).toEqual(expect.arrayContaining([
        'Hi Eve, member perks: 0 points. See our latest products!\n\nReply STOP to unsubscribe',
        '王芳，您好！积分 0\n\n回复 退订 取消订阅',
      ]));
      const email = k().channels.email.sent.find((s) => s.to === 'max@example.test')!;
      expect(email.message.text).toMatch(/Unsubscribe: http:\/\/shop\.test\/unsubscribe\?t=/);
      expect(email.message.attachments?.[0]).toMatchObject({ type: 'link', name: 'unsubscribe' });
      const rows = await deliveries(k().db, id);
      expect(rows.every((r) => r.state === 'sent' && r.outbox_id && r.sent_at)).toBe(true);
      const results = await k().module.campaigns.results(id);
      expect(results.campaign.status).toBe('done');
      expect(results.total).toMatchObject({ targeted: 3, sent: 3, failed: 0 });
      expect(results.locales.map((l) => [l.locale, l.sent])).toEqual([['en', 2], ['zh-CN', 1]]);
      const csv = await k().module.campaigns.resultsCsv(id);
      expect(csv.split('\r\n')[0]).toMatch(/^campaign_id,campaign_name,locale,targeted,suppressed_no_consent/);
      expect(csv.split('\r\n')).toHaveLength(4);
    });

    it('fills {tier}, {points} and {product} from loyalty and orders, and counts replies, orders and revenue after the send', async ({ skip }) => {
      if (!kit) return skip();
      const db = k().db;
      const vip = await k().addCustomer({ name: 'Gus', identities: ['telegram'], consent: ['telegram'] });
      await sql`insert into loyalty_members (customer_id, tier, joined_at, terms_version, terms_accepted_at, next_review_at, tier_since)
        values (${vip}, 'gold', now(), 'v1', now(), now(), now())`.execute(db);
      await sql`insert into points_ledger (customer_id, delta, kind, idempotency_key) values (${vip}, 150, 'earn_order', ${`k1-${vip}`}), (${vip}, -30, 'redeem', ${`k2-${vip}`})`.execute(db);
      const sku = `SKU-${vip.slice(0, 6)}`;
      await sql`insert into products (sku, name, price) values (${sku}, 'Moka Pot', 30)`.execute(db);
      await sql`insert into orders (id, customer_id, status, total, currency, items, created_at, updated_at)
        values (${`before-${vip}`}, ${vip}, 'delivered', 30, 'EUR', ${JSON.stringify([{ sku, quantity: 1, price: 30 }])}::jsonb, now() - interval '1 day', now())`.execute(db);
      const id = await k().launch([vip]);
      await runAll(k());
      const [row] = await deliveries(db, id);
      const sent = k().channels.telegram.sent.find((s) => s.to === row.recipient)!;
      expect(sent.message.text).toBe('Hi Gus, gold perks: 120 points. See Moka Pot!\n\nReply STOP to unsubscribe');
      // After the send: a reply, a paid order in the window, a cancelled one that does not count.
      await sql`insert into orders (id, customer_id, status, total, currency, created_at, updated_at) values
        (${`after-${vip}`}, ${vip}, 'paid', 45.5, 'EUR', now() + interval '1 minute', now()),
        (${`void-${vip}`}, ${vip}, 'cancelled', 99, 'EUR', now() + interval '1 minute', now())`.execute(db);
      const conv = newId();
      await sql`insert into conversations (id, customer_id, channel, external_id) values (${conv}, ${vip}, 'telegram', ${row.recipient})`.execute(db);
      await sql`insert into inbound_messages (id, channel, external_id, conversation_id, customer_id, text, received_at)
        values (${newId()}, 'telegram', ${`in-${vip}`}, ${conv}, ${vip}, 'nice!', now() + interval '2 minutes')`.execute(db);
      const results = await k().module.campaigns.results(id);
      expect(results.total).toMatchObject({ sent: 1, replied: 1, orders: 1, revenue: 45.5 });
    });

    it('skips a customer who sends STOP after materialisation (consent re-checked at send time)', async ({ skip }) => {
      if (!kit) return skip();
      const stays = await k().addCustomer({ identities: ['telegram'], consent: ['telegram'] });
      const stops = await k().addCustomer({ identities: ['telegram'], consent: ['telegram'] });
      const id = await k().launch([stays, stops]);
      await k().module.trigger.tick();
      k().clock.advance(1000);
      await k().consent.withdraw(stops, 'telegram', 'marketing', 'keyword');
      k().clock.advance(1000);
      await runAll(k());
      const by = Object.fromEntries((await deliveries(k().db, id)).map((r) => [r.customer_id, r]));
      expect(by[stays].state).toBe('sent');
      expect(by[stops]).toMatchObject({ state: 'skipped', reason: 'consent_withdrawn' });
    });

    it('holds a send during the recipient\'s quiet hours and sends when they end', async ({ skip }) => {
      if (!kit) return skip();
      // 12:00 UTC is 04:00 in Los Angeles (quiet until 09:00 = 17:00 UTC) and 20:00 in Shanghai (not quiet).
      const la = await k().addCustomer({ timezone: 'America/Los_Angeles', identities: ['telegram'], consent: ['telegram'] });
      const sh = await k().addCustomer({ timezone: 'Asia/Shanghai', identities: ['telegram'], consent: ['telegram'] });
      const bad = await k().addCustomer({ timezone: 'Not/AZone', identities: ['telegram'], consent: ['telegram'] });
      const id = await k().launch([la, sh, bad]);
      await runAll(k());
      let by = Object.fromEntries((await deliveries(k().db, id)).map((r) => [r.customer_id, r]));
      expect(by[sh].state).toBe('sent');
      expect(by[bad].state).toBe('sent');
      expect(by[la]).toMatchObject({ state: 'queued', quiet_deferred: true, enqueued_at: null });
      expect(by[la].next_attempt_at.toISOString()).toBe('2026-03-02T17:00:00.000Z');
      k().clock.set('2026-03-02T17:00:00Z');
      await runAll(k());
      by = Object.fromEntries((await deliveries(k().db, id)).map((r) => [r.customer_id, r]));
      expect(by[la].state).toBe('sent');
      expect((await k().module.campaigns.results(id)).total.deferredQuietHours).toBe(1);
      k().clock.set(NOON_UTC);
    });

    it('caps marketing messages per customer across campaigns', async ({ skip }) => {
      if (!kit) return skip();
      const busy = await k().addCustomer({ identities: ['telegram'], consent: ['telegram'] });
      const first = await k().launch([busy]);
      await runAll(k());
      const second = await k().launch([busy]);
      await runAll(k());
      const third = await k().launch([busy], { frequencyCap: { max: 2, days: 7 } });
      await runAll(k());
      expect((await deliveries(k().db, first))[0].state).toBe('sent');
      expect((await deliveries(k().db, second))[0].state).toBe('sent');
      expect((await deliveries(k().db, third))[0]).toMatchObject({ state: 'skipped', reason: 'capped' });
      expect((await k().module.campaigns.results(third)).total.suppressed).toEqual({ capped: 1 });
    });

    it('pauses, resumes and cancels: nothing is handed over while paused, the rest is skipped on cancel', async ({ skip }) => {
      if (!kit) return skip();
      const ids = await Promise.all([1, 2, 3].map(() => k().addCustomer({ identities: ['telegram'], consent: ['telegram'] })));
      const id = await k().launch(ids);
      await k().module.trigger.tick();
      await k().module.campaigns.pause(id);
      expect((await k().module.worker.drain(2000)).handed).toBe(0);
      expect((await k().module.campaigns.resume(id)).status).toBe('sending');
      await k().module.campaigns.cancel(id);
      await runAll(k());
      const rows = await deliveries(k().db, id);
      expect(rows.map((r) => r.reason)).toEqual(['cancelled', 'cancelled', 'cancelled']);
      await expect(k().module.campaigns.resume(id)).rejects.toMatchObject({ status: 409 });
    });

    it('resumes a one-off campaign whose run finished while it was paused as done, not scheduled with no fire time', async ({ skip }) => {
      if (!kit) return skip();
      const a = await k().addCustomer({ identities: ['telegram'], consent: ['telegram'] });
      const id = await k().launch([a]);
      await k().module.trigger.tick();
      await k().module.worker.drain(2000); // handed to the outbox before the pause
      await k().module.campaigns.pause(id);
      await runAll(k()); // sent and settled: the run drains, the campaign stays paused
      expect((await k().module.campaigns.get(id)).status).toBe('paused');
      expect((await deliveries(k().db, id)).map((r) => r.state)).toEqual(['sent']);
      expect((await k().module.campaigns.resume(id)).status).toBe('done');
    });

    it('fires a recurring campaign once per fire time and returns to scheduled', async ({ skip }) => {
      if (!kit) return skip();
      // 10:00 in Shanghai: outside quiet hours.
      const a = await k().addCustomer({ timezone: 'Asia/Shanghai', identities: ['telegram'], consent: ['telegram'] });
      const id = await k().launch([a], { schedule: { cron: '0 10 * * *', timezone: 'Asia/Shanghai' }, frequencyCap: { max: 10, days: 7 } });
      expect((await k().module.campaigns.get(id)).nextFireAt?.toISOString()).toBe('2026-03-03T02:00:00.000Z');
      k().clock.set('2026-03-03T02:00:30Z');
      await runAll(k());
      await runAll(k());
      const c = await k().module.campaigns.get(id);
      expect(c.status).toBe('scheduled');
      expect(c.nextFireAt?.toISOString()).toBe('2026-03-04T02:00:00.000Z');
      expect(await deliveries(k().db, id)).toHaveLength(1);
      k().clock.set('2026-03-04T02:00:10Z');
      await runAll(k());
      expect((await deliveries(k().db, id)).map((r) => r.state)).toEqual(['sent', 'sent']);
      k().clock.set(NOON_UTC);
    });

    // Crash safety of settle: closing a drained run and moving its campaign must not be separable.
    const openRuns = async (id: string) => (await k().db.selectFrom('campaign_runs').select('status').where('campaign_id', '=', id).where('status', '=', 'sending').execute()).length;

    it('returns a recurring campaign to scheduled, and fires it at its next time, when settle died after closing its run', async ({ skip }) => {
      if (!kit) return skip();
      const a = await k().addCustomer({ timezone: 'Asia/Shanghai', identities: ['telegram'], consent: ['telegram'] });
      const id = await k().launch([a], { schedule: { cron: '0 10 * * *', timezone: 'Asia/Shanghai' }, frequencyCap: { max: 10, days: 7 } });
      k().clock.set('2026-03-03T02:00:30Z');
      expect(await k().module.trigger.tick()).toBeGreaterThanOrEqual(1);
      await k().module.worker.drain(10_000);
      await k().sender.drain(10_000);
      // The process dies inside settle(): outcomes recorded and the drained run closed, campaign not moved yet.
      await new CampaignDeliveryRepository(k().db).syncOutcomes();
      await new CampaignRepository(k().db).finishDrainedRuns(k().clock.now());
      expect((await k().module.campaigns.get(id)).status).toBe('sending');
      expect(await openRuns(id)).toBe(0);
      // After the restart, the next settle finishes what the dead one left.
      await k().module.worker.settle();
      const c = await k().module.campaigns.get(id);
      expect(c.status).toBe('scheduled');
      expect(c.nextFireAt?.toISOString()).toBe('2026-03-04T02:00:00.000Z');
      k().clock.set('2026-03-04T02:00:10Z');
      await runAll(k());
      expect((await deliveries(k().db, id)).map((r) => r.state)).toEqual(['sent', 'sent']);
      expect((await k().module.campaigns.get(id)).status).toBe('scheduled');
      k().clock.set(NOON_UTC);
    });

    it('shows a one-off campaign done when the statement moving it failed: its run stays open and the next settle finishes both', async ({ skip }) => {
      if (!kit) return skip();
      const a = await k().addCustomer({ identities: ['telegram'], consent: ['telegram'] });
      const id = await k().launch([a]);
      await k().module.trigger.tick();
      await k().module.worker.drain(10_000);
      await k().sender.drain(10_000);
      // A worker whose campaign move fails (connection cut, statement error) for this campaign.
      class FailingMove extends CampaignRepository {
        override transition(...args: Parameters<CampaignRepository['transition']>) {
          if (args[0] === id && args[2].status === 'done') return Promise.reject(new Error('injected: moving the campaign failed'));
          return super.transition(...args);
        }
      }
      const m = k().module;
      const failing = new CampaignWorker({
        db: k().db, campaigns: new FailingMove(k().db), deliveries: new CampaignDeliveryRepository(k().db), translator: m.translator, tokens: m.tokens,
        policy: m.policy, clock: k().clock, wake: () => {}, log: silentLogger,
      });
      await failing.settle().catch(() => {});
      expect((await m.campaigns.get(id)).status).toBe('sending');
      await m.worker.settle();
      expect((await m.campaigns.get(id)).status).toBe('done');
      expect(await openRuns(id)).toBe(0);
      expect((await deliveries(k().db, id)).map((r) => r.state)).toEqual(['sent']);
    });

    it('settles the other campaigns when one fails, and reports the failure', async ({ skip }) => {
      if (!kit) return skip();
      const ids: string[] = [];
      for (let i = 0; i < 2; i++) {
        const c = await k().addCustomer({ identities: ['telegram'], consent: ['telegram'] });
        ids.push(await k().launch([c]));
      }
      const [broken, fine] = ids;
      await k().module.trigger.tick();
      await k().module.worker.drain(10_000);
      await k().sender.drain(10_000);
      // The broken campaign's move fails on every try, and it comes first.
      class BrokenFirst extends CampaignRepository {
        override async toSettle() {
          return [...ids, ...(await super.toSettle()).filter((id) => !ids.includes(id))];
        }
        override transition(...args: Parameters<CampaignRepository['transition']>) {
          if (args[0] === broken) return Promise.reject(new Error('injected: moving the campaign failed'));
          return super.transition(...args);
        }
      }
      const m = k().module;
      const errors: string[] = [];
      const log = Object.assign(Object.create(silentLogger), { error: (o: { campaign?: string }) => errors.push(o.campaign ?? '?') }) as typeof silentLogger;
      const worker = new CampaignWorker({
        db: k().db, campaigns: new BrokenFirst(k().db), deliveries: new CampaignDeliveryRepository(k().db), translator: m.translator, tokens: m.tokens,
        policy: m.policy, clock: k().clock, wake: () => {}, log,
      });
      expect(await worker.settle()).toBe(1);
      expect(errors).toEqual([broken]);
      expect((await m.campaigns.get(fine)).status).toBe('done');
      expect((await m.campaigns.get(broken)).status).toBe('sending');
      await m.worker.settle();
      expect((await m.campaigns.get(broken)).status).toBe('done');
    });

    it('cancels atomically: the run is closed and nothing stays queued; a failure half-way rolls the status back so a retry works', async ({ skip }) => {
      if (!kit) return skip();
      const ids = await Promise.all([1, 2].map(() => k().addCustomer({ identities: ['telegram'], consent: ['telegram'] })));
      const id = await k().launch(ids);
      await k().module.trigger.tick();
      expect((await k().module.campaigns.get(id)).status).toBe('sending');
      // The statement after the status change fails (after doing its work) inside the cancel.
      class FailingCancel extends CampaignRepository {
        override async cancelPending(campaignId: string, now: Date, db?: Db): Promise<number> {
          await super.cancelPending(campaignId, now, db);
          throw new Error('injected: cancelling the pending deliveries failed');
        }
      }
      const m = k().module;
      const failing = new CampaignService({
        db: k().db, campaigns: new FailingCancel(k().db), audience: new CampaignAudienceRepository(k().db), results: new CampaignResultsRepository(k().db),
        trigger: m.trigger, segments: k().segments, outbox: k().outbox, translator: m.translator, wake: () => {}, clock: k().clock, publicUrl: 'http://shop.test',
      });
      await expect(failing.cancel(id)).rejects.toThrow(/injected/);
      expect((await m.campaigns.get(id)).status).toBe('sending');
      expect(await openRuns(id)).toBe(1);
      expect((await deliveries(k().db, id)).map((r) => r.state)).toEqual(['queued', 'queued']);
      // The retried cancel is accepted and does all of it.
      expect((await m.campaigns.cancel(id)).status).toBe('cancelled');
      expect(await openRuns(id)).toBe(0);
      const runs = await k().db.selectFrom('campaign_runs').selectAll().where('campaign_id', '=', id).execute();
      expect(runs).toHaveLength(1);
      expect(runs[0].status).toBe('cancelled');
      expect(runs[0].finished_at).not.toBeNull();
      const rows = await deliveries(k().db, id);
      expect(rows.map((r) => [r.state, r.reason])).toEqual([['skipped', 'cancelled'], ['skipped', 'cancelled']]);
      await runAll(k());
      expect((await m.campaigns.get(id)).status).toBe('cancelled');
      expect((await deliveries(k().db, id)).every((r) => r.state === 'skipped')).toBe(true);
    });
  });
}

describe('campaign time rules', () => {
  it('computes the end of wrapping quiet hours in the recipient zone', () => {
    const w = { start: '21:00', end: '09:00' };
    expect(quietHoursEnd(new Date('2026-03-02T12:00:00Z'), w, 'America/Los_Angeles', 'UTC')?.toISOString()).toBe('2026-03-02T17:00:00.000Z');
    expect(quietHoursEnd(new Date('2026-03-02T12:00:00Z'), w, 'Asia/Shanghai', 'UTC')).toBeNull();
    expect(quietHoursEnd(new Date('2026-03-02T22:30:00Z'), w, null, 'UTC')?.toISOString()).toBe('2026-03-03T09:00:00.000Z');
    expect(quietHoursEnd(new Date('2026-03-02T22:30:00Z'), null, null, 'UTC')).toBeNull();
  });
  it('finds the next cron fire in a zone', () => {
    expect(nextCronFire('0 9 * * 1', 'Europe/Berlin', new Date('2026-03-02T12:00:00Z'))?.toISOString()).toBe('2026-03-09T08:00:00.000Z');
    expect(nextCronFire('30 8 1 * *', 'UTC', new Date('2026-03-02T12:00:00Z'))?.toISOString()).toBe('2026-04-01T08:30:00.000Z');
  });
});
