import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_DIR } from '../../../src/core/config.js';
import { buildLoyaltyModule } from '../../../src/crm/loyalty/index.js';
import { addMonths } from '../../../src/crm/loyalty/loyalty-dates.js';
import { migrate, type Store } from '../../../src/storage/database.js';
import { customer, DAY, harness, ledgerRows, ledgerSum, orderEvent, testConfig, type Harness } from './loyalty-fixtures.js';

/** The loyalty engine on a real database: the same tests on PGlite and on PostgreSQL. */
export function describeLoyaltyContract(name: string, open: () => Promise<Store | null>): void {
  describe(`loyalty: ${name}`, () => {
    let store: Store | null = null;
    let h: Harness;
    beforeAll(async () => {
      store = await open();
      if (!store) return;
      await migrate(store.db);
      h = await harness(store.db);
    });
    afterAll(async () => {
      await store?.close();
    });
    const db = () => store!.db;
    const at = () => h.clock.now();
    const member = async (opts: Parameters<typeof customer>[1] = {}) => {
      const id = await customer(db(), opts);
      await h.loyalty.enroll(id, { termsAccepted: true });
      return id;
    };
    const live = (t: { skip: () => void }) => {
      if (!store) t.skip();
    };

    it('refuses to update or delete ledger rows', async (t) => {
      live(t);
      const id = await member();
      await expect(sql`update points_ledger set delta = 5 where customer_id = ${id}`.execute(db())).rejects.toThrow(/append-only/);
      await expect(sql`delete from points_ledger where customer_id = ${id}`.execute(db())).rejects.toThrow(/append-only/);
      expect(await ledgerSum(db(), id)).toBe(100);
    });

    it('enrolls once with the terms version and one welcome bonus when enrolment races itself', async (t) => {
      live(t);
      const id = await customer(db());
      const results = await Promise.all([1, 2, 3].map(() => h.loyalty.enroll(id, { termsAccepted: true })));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      const m = await h.loyalty.member(id);
      expect(m).toMatchObject({ tier: 'bronze', terms_version: 't-1', status: 'active', marketing_opt_in_asked: false });
      expect(m!.terms_accepted_at.toISOString()).toBe(at().toISOString());
      expect((await ledgerRows(db(), id)).map((r) => [r.kind, r.delta, r.idempotency_key])).toEqual([['earn_signup', 100, `signup:${id}`]]);
      expect(h.notices.filter((n) => n.customerId === id && n.key === 'loyalty.welcome')).toHaveLength(1);
    });

    it('refuses to enrol a customer who has not accepted the terms', async (t) => {
      live(t);
      const id = await customer(db());
      await expect(h.loyalty.enroll(id, { termsAccepted: false })).rejects.toThrow(/terms \(version t-1\)/);
      expect(await h.loyalty.member(id)).toBeUndefined();
    });

    it('records marketing consent only when the customer opts in, and notes that they were asked', async (t) => {
      live(t);
      const no = await customer(db());
      await h.loyalty.enroll(no, { termsAccepted: true, marketingOptIn: false, channel: 'telegram' });
      expect(await h.consent.history(no)).toEqual([]);
      expect((await h.loyalty.member(no))!.marketing_opt_in_asked).toBe(true);
      const yes = await customer(db());
      await h.loyalty.enroll(yes, { termsAccepted: true, marketingOptIn: true, channel: 'telegram' });
      await h.loyalty.enroll(yes, { termsAccepted: true, marketingOptIn: true, channel: 'telegram' });
      expect(await h.consent.mayMarket(yes, 'telegram')).toBe(true);
      expect(await h.consent.history(yes)).toHaveLength(1);
      const silent = await member();
      expect((await h.loyalty.member(silent))!.marketing_opt_in_asked).toBe(false);
    });

    it('enforces a restricted programme: minimum spend and single-use invitations', async (t) => {
      live(t);
      const r = await harness(db(), testConfig({ programme: { mode: 'restricted', entry: { minSpend: 100, invitationRequired: true } } }));
      const poor = await customer(db(), { lifetimeSpend: 40 });
      await expect(r.loyalty.enroll(poor, { termsAccepted: true })).rejects.toThrow(/at least 100 spent; customer .* has spent 40/);
      const rich = await customer(db(), { lifetimeSpend: 150 });
      await expect(r.loyalty.enroll(rich, { termsAccepted: true })).rejects.toThrow(/invitation code is needed/);
      await expect(r.loyalty.enroll(rich, { termsAccepted: true, invitationCode: 'INV-NOPE' })).rejects.toThrow(/unknown, already used or expired/);
      const code = await r.loyalty.createInvitation('staff-1');
      expect((await r.loyalty.enroll(rich, { termsAccepted: true, invitationCode: code })).created).toBe(true);
      const other = await customer(db(), { lifetimeSpend: 150 });
      await expect(r.loyalty.enroll(other, { termsAccepted: true, invitationCode: code })).rejects.toThrow(/already used/);
    });

    it('earns floor(total × rate × multiplier) on payment, pending until the return window has passed', async (t) => {
      live(t);
      const id = await member();
      await h.loyalty.onOrderEvent(await orderEvent(db(), { customerId: id, status: 'paid', total: 99.99, at: at() }));
      const rows = await ledgerRows(db(), id);
      expect(rows.map((r) => [r.kind, r.delta])).toEqual([['earn_signup', 100], ['earn_order', 99], ['earn_first_order', 200]]);
      expect(await h.loyalty.balance(id)).toMatchObject({ total: 399, available: 100, pending: 299 });
      h.clock.advance(31 * DAY);
      expect(await h.loyalty.balance(id)).toMatchObject({ total: 399, available: 399, pending: 0 });
    });

    it('credits points once when the same order is paid, delivered and redelivered concurrently', async (t) => {
      live(t);
      const id = await member();
      const paid = await orderEvent(db(), { customerId: id, status: 'paid', total: 50, at: at() });
      const delivered = await orderEvent(db(), { id: paid.order.id, customerId: id, status: 'delivered', total: 50, at: at() });
      await Promise.all([paid, paid, delivered, paid, delivered].map((e) => h.loyalty.onOrderEvent(e)));
      const earns = (await ledgerRows(db(), id)).filter((r) => r.order_id === paid.order.id && r.kind === 'earn_order');
      expect(earns).toHaveLength(1);
      expect(await ledgerSum(db(), id)).toBe(100 + 50 + 200);
    });

    it('earns on delivery when an order was never paid online, available after the window from delivery', async (t) => {
      live(t);
      const id = await member();
      const delivered = await orderEvent(db(), { customerId: id, status: 'delivered', total: 20, at: at() });
      await h.loyalty.onOrderEvent(delivered);
      const earn = (await ledgerRows(db(), id)).find((r) => r.kind === 'earn_order')!;
      expect(earn.available_at!.getTime()).toBe(at().getTime() + 30 * DAY);
    });

    it('gives the first-order bonus once only', async (t) => {
      live(t);
      const id = await member();
      for (const total of [10, 20, 30]) await h.loyalty.onOrderEvent(await orderEvent(db(), { customerId: id, status: 'paid', total, at: at() }));
      expect((await ledgerRows(db(), id)).filter((r) => r.kind === 'earn_first_order')).toHaveLength(1);
    });

    it('reverses exactly what a refunded order earned, once', async (t) => {
      live(t);
      const id = await member();
      const paid = await orderEvent(db(), { customerId: id, status: 'paid', total: 80, at: at() });
      await h.loyalty.onOrderEvent(paid);
      const refunded = await orderEvent(db(), { id: paid.order.id, customerId: id, status: 'refunded', total: 80, at: at() });
      await Promise.all([h.loyalty.onOrderEvent(refunded), h.loyalty.onOrderEvent(refunded)]);
      const reversals = (await ledgerRows(db(), id)).filter((r) => r.kind === 'reverse_refund');
      expect(reversals.map((r) => [r.delta, r.idempotency_key])).toEqual([[-280, `order:${paid.order.id}:reverse`]]);
      expect(await h.loyalty.balance(id)).toMatchObject({ total: 100, available: 100, pending: 0 });
    });

    it('never pushes the balance below zero when refunded points were already spent, and says so', async (t) => {
      live(t);
      const id = await member();
      const paid = await orderEvent(db(), { customerId: id, status: 'paid', total: 300, at: at() });
      await h.loyalty.onOrderEvent(paid);
      h.clock.advance(31 * DAY);
      await h.loyalty.redeem(id, 'coupon-5', 'r1');
      await h.loyalty.redeem(id, 'coupon-5', 'r2');
      expect(await ledgerSum(db(), id)).toBe(0);
      await h.loyalty.onOrderEvent(await orderEvent(db(), { id: paid.order.id, customerId: id, status: 'refunded', total: 300, at: at() }));
      const rev = (await ledgerRows(db(), id)).find((r) => r.kind === 'reverse_refund')!;
      expect(rev.delta).toBe(0);
      expect(rev.reason).toMatch(/500 already spent/);
      expect((await h.loyalty.balance(id)).total).toBe(0);
    });

    it('does not credit an order whose cancellation arrived before its payment', async (t) => {
      live(t);
      const id = await member();
      const cancelled = await orderEvent(db(), { customerId: id, status: 'cancelled', total: 70, at: at() });
      await h.loyalty.onOrderEvent(cancelled);
      await h.loyalty.onOrderEvent({ ...cancelled, eventId: 'late', type: 'order.paid', order: { ...cancelled.order, status: 'paid' } });
      expect(await ledgerSum(db(), id)).toBe(100);
    });

    it('gives nothing to a customer who is not a member', async (t) => {
      live(t);
      const id = await customer(db());
      await h.loyalty.onOrderEvent(await orderEvent(db(), { customerId: id, status: 'paid', total: 70, at: at() }));
      expect(await ledgerRows(db(), id)).toEqual([]);
    });

    it('redeems available points for an unguessable single-use coupon, once per idempotency key', async (t) => {
      live(t);
      const id = await member();
      await h.loyalty.onOrderEvent(await orderEvent(db(), { customerId: id, status: 'paid', total: 400, at: at() }));
      await expect(h.loyalty.redeem(id, 'coupon-5', 'k1')).rejects.toThrow(/has 100 points available; reward coupon-5 costs 300/);
      h.clock.advance(31 * DAY);
      const [a, b] = await Promise.all([h.loyalty.redeem(id, 'coupon-5', 'k1'), h.loyalty.redeem(id, 'coupon-5', 'k1')]);
      expect(a.code).toBe(b.code);
      expect(a.code).toMatch(/^PTR(-[0-9A-HJKMNP-TV-Z]{5}){4}$/);
      expect((await h.loyalty.balance(id)).total).toBe(700 - 300);
      await expect(h.loyalty.redeem(id, 'limited', 'k1')).rejects.toThrow(/already used to redeem coupon-5/);
      await h.loyalty.useCoupon(a.code, id, 'order-x');
      await expect(h.loyalty.useCoupon(a.code, id, 'order-y')).rejects.toThrow(/already used or has expired/);
      await expect(h.loyalty.redeem(id, 'nope', 'k9')).rejects.toThrow(/reward nope does not exist/);
    });

    it('stops issuing a reward once its stock is gone', async (t) => {
      live(t);
      const ids = [await member(), await member(), await member()];
      const results = await Promise.allSettled(ids.map((id) => h.loyalty.redeem(id, 'limited', 'x')));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
      expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { message: 'reward limited is out of stock' } });
    });

    it('lets staff adjust points with a reason, once per key, never below zero', async (t) => {
      live(t);
      const id = await member();
      // The audit callback runs in the adjustment's transaction: if it fails, nothing is applied.
      await expect(h.loyalty.adjust(id, 40, 'goodwill for late parcel', 'agent-7', 'a1', async () => { throw new Error('audit log down'); })).rejects.toThrow(/audit log down/);
      let audited = 0;
      expect(await h.loyalty.adjust(id, 40, 'goodwill for late parcel', 'agent-7', 'a1', async () => void audited++)).toMatchObject({ applied: true, total: 140 });
      expect(await h.loyalty.adjust(id, 40, 'goodwill for late parcel', 'agent-7', 'a1', async () => void audited++)).toMatchObject({ applied: false, total: 140 });
      expect(audited).toBe(1);
      await expect(h.loyalty.adjust(id, -141, 'correction', 'agent-7', 'a2')).rejects.toThrow(/below zero \(balance 140\)/);
      await expect(h.loyalty.adjust(id, -5, ' ', 'agent-7', 'a3')).rejects.toThrow(/needs a reason/);
      await h.loyalty.adjust(id, -140, 'correction', 'agent-7', 'a4');
      expect(await h.loyalty.balance(id)).toMatchObject({ total: 0, available: 0 });
      const last = (await h.loyalty.history(id)).entries[0];
      expect(last).toMatchObject({ kind: 'adjust', delta: -140, created_by: 'agent-7', reason: 'correction' });
    });

    it('expires the oldest unspent points first, once per lot, and warns about them beforehand', async (t) => {
      live(t);
      const start = at();
      const id = await member(); // 100 signup points, expiring start + 12 months
      h.clock.advance(60 * DAY);
      await h.loyalty.adjust(id, 250, 'migration', 'admin', 'm1'); // a second lot, expiring 2 months later
      await h.loyalty.adjust(id, -50, 'correction', 'admin', 'm2'); // FIFO: taken from the signup lot
      h.clock.set(new Date(start.getTime() + 350 * DAY));
      const signupExpiry = addMonths(start, 12);
      expect((await h.loyalty.balance(id)).expiringSoon).toEqual([{ points: 50, at: signupExpiry }]);
      const when = new Date(signupExpiry.getTime() + DAY);
      h.clock.set(when);
      await h.loyalty.expirePoints(when);
      await h.loyalty.expirePoints(when);
      const expiries = (await ledgerRows(db(), id)).filter((r) => r.kind === 'expire');
      expect(expiries.map((r) => r.delta)).toEqual([-50]);
      expect(await h.loyalty.balance(id)).toMatchObject({ total: 250, available: 250 });
      const later = addMonths(when, 3);
      await h.loyalty.expirePoints(later);
      expect(await ledgerSum(db(), id)).toBe(0);
      expect(h.notices.filter((n) => n.customerId === id && n.key === 'loyalty.points_expired').map((n) => n.vars.points)).toEqual([50, 250]);
    });

    it('upgrades at once after earning, with history and a notification, and downgrades only at the review date', async (t) => {
      live(t);
      const id = await member();
      const p0 = await h.loyalty.tierProgress(id);
      expect(p0).toMatchObject({ tier: { id: 'bronze', name: { 'zh-CN': '铜牌' } }, next: { id: 'silver' }, needed: 500, basis: 'spend' });
      await h.loyalty.onOrderEvent(await orderEvent(db(), { customerId: id, status: 'paid', total: 2100, at: at() }));
      const p1 = await h.loyalty.tierProgress(id);
      expect(p1).toMatchObject({ tier: { id: 'gold' }, next: { id: 'diamond' }, needed: 2900, multiplier: 1.5 });
      expect(p1.benefits['zh-CN'][0]).toBe('金牌礼遇');
      expect((await h.loyalty.tierHistory(id)).map((c) => [c.from_tier, c.to_tier])).toEqual([['bronze', 'gold']]);
      expect(h.notices.filter((n) => n.customerId === id && n.key === 'loyalty.tier_upgraded')).toHaveLength(1);
      // The next order earns at the gold multiplier.
      const second = await orderEvent(db(), { customerId: id, status: 'paid', total: 100, at: at() });
      await h.loyalty.onOrderEvent(second);
      expect((await ledgerRows(db(), id)).find((r) => r.order_id === second.order.id)!.delta).toBe(150);
      // 13 months later the spend has left the window, but only the review date lowers the tier.
      const member0 = (await h.loyalty.member(id))!;
      h.clock.set(new Date(member0.next_review_at.getTime() - DAY));
      await h.loyalty.reviewTiers(new Date(member0.next_review_at.getTime() - DAY));
      expect((await h.loyalty.member(id))!.tier).toBe('gold');
      h.clock.set(new Date(member0.next_review_at.getTime() + 40 * DAY));
      await h.loyalty.reviewTiers(h.clock.now());
      const after = (await h.loyalty.member(id))!;
      expect(after.tier).toBe('silver');
      expect(after.next_review_at.getTime()).toBeGreaterThan(h.clock.now().getTime());
      await h.loyalty.reviewTiers(h.clock.now());
      expect((await h.loyalty.member(id))!.tier).toBe('silver');
      expect(h.notices.filter((n) => n.customerId === id && n.key === 'loyalty.tier_downgraded')).toHaveLength(1);
    });

    it('changes a tier only together with its notice: a notice that cannot be queued leaves points and tier as they were, and the retry does both once', async (t) => {
      live(t);
      const id = await member();
      const ev = await orderEvent(db(), { customerId: id, status: 'paid', total: 600, at: at() });
      h.failNoticeFor.add(id);
      await expect(h.loyalty.onOrderEvent(ev)).rejects.toThrow(/outbox down/);
      expect((await h.loyalty.member(id))!.tier).toBe('bronze');
      expect((await ledgerRows(db(), id)).filter((r) => r.order_id === ev.order.id)).toEqual([]);
      await h.loyalty.onOrderEvent(ev); // the dispatch sweeper's retry
      expect((await h.loyalty.member(id))!.tier).toBe('silver');
      expect(h.notices.filter((n) => n.customerId === id && n.key === 'loyalty.tier_upgraded')).toHaveLength(1);
    });

    it('expires each customer’s points together with their notice: a run cut short loses no notice', async (t) => {
      live(t);
      const [a, b] = [await member(), await member()]; // 100 signup points each
      const when = new Date(addMonths(at(), 12).getTime() + DAY);
      h.clock.set(when);
      h.failNoticeFor.add(b);
      await expect(h.loyalty.expirePoints(when)).rejects.toThrow(/outbox down/);
      expect((await ledgerRows(db(), b)).filter((r) => r.kind === 'expire')).toEqual([]);
      await h.loyalty.expirePoints(when);
      for (const id of [a, b]) {
        expect((await ledgerRows(db(), id)).filter((r) => r.kind === 'expire').map((r) => r.delta)).toEqual([-100]);
        expect(h.notices.filter((n) => n.customerId === id && n.key === 'loyalty.points_expired').map((n) => n.vars.points)).toEqual([100]);
      }
    });

    it('awards the birthday bonus once per member per year', async (t) => {
      live(t);
      const month = String(h.clock.now().getUTCMonth() + 1).padStart(2, '0');
      const bday = await member({ birthday: `1990-${month}-15` });
      const otherMonth = String((h.clock.now().getUTCMonth() + 1) % 12 + 1).padStart(2, '0');
      const other = await member({ birthday: `1990-${otherMonth}-15` });
      await h.loyalty.awardBirthdayBonuses(h.clock.now());
      await h.loyalty.awardBirthdayBonuses(h.clock.now());
      expect((await ledgerRows(db(), bday)).filter((r) => r.kind === 'earn_birthday').map((r) => r.delta)).toEqual([300]);
      expect((await ledgerRows(db(), other)).filter((r) => r.kind === 'earn_birthday')).toEqual([]);
    });

    it('multiplies order points in the birthday month when the rule is a multiplier', async (t) => {
      live(t);
      const m = await harness(db(), testConfig({ earning: { birthday: { type: 'multiplier', factor: 2 } } }), h.clock.now().toISOString());
      const month = String(m.clock.now().getUTCMonth() + 1).padStart(2, '0');
      const id = await customer(db(), { birthday: `1985-${month}-01` });
      await m.loyalty.enroll(id, { termsAccepted: true });
      await m.loyalty.onOrderEvent(await orderEvent(db(), { customerId: id, status: 'paid', total: 40, at: m.clock.now() }));
      expect((await ledgerRows(db(), id)).filter((r) => r.kind === 'earn_birthday').map((r) => r.delta)).toEqual([40]);
      expect(await m.loyalty.awardBirthdayBonuses(m.clock.now())).toEqual({ awarded: 0, points: 0 });
    });

    it('gives a review bonus once per order and SKU, only for the customer’s own order', async (t) => {
      live(t);
      const id = await member();
      const ev = await orderEvent(db(), { customerId: id, status: 'delivered', total: 30, at: at(), items: [{ sku: 'A', quantity: 1, price: 10 }, { sku: 'B', quantity: 1, price: 20 }] });
      expect(await h.loyalty.recordReview(id, { orderId: ev.order.id, sku: 'A' })).toEqual({ awarded: true, points: 20 });
      expect(await h.loyalty.recordReview(id, { orderId: ev.order.id, sku: 'A' })).toEqual({ awarded: false, points: 0 });
      expect(await h.loyalty.recordReview(id, { orderId: ev.order.id, sku: 'B' })).toEqual({ awarded: true, points: 20 });
      await expect(h.loyalty.recordReview(id, { orderId: ev.order.id, sku: 'Z' })).rejects.toThrow(/has no item Z/);
      const stranger = await member();
      await expect(h.loyalty.recordReview(stranger, { orderId: ev.order.id, sku: 'A' })).rejects.toThrow(/does not belong to customer/);
    });

    it('pages the points history newest first', async (t) => {
      live(t);
      const id = await member();
      for (let i = 1; i <= 5; i++) await h.loyalty.adjust(id, i, `n${i}`, 'admin', `h${i}`);
      const p1 = await h.loyalty.history(id, 1, 4);
      const p2 = await h.loyalty.history(id, 2, 4);
      expect(p1.entries.map((e) => e.delta)).toEqual([5, 4, 3, 2]);
      expect(p1.hasMore).toBe(true);
      expect(p2.entries.map((e) => [e.kind, e.delta])).toEqual([['adjust', 1], ['earn_signup', 100]]);
      expect(p2.hasMore).toBe(false);
    });

    it('measures repeat purchase, RFM, churn risk and the premium tiers’ revenue share', async (t) => {
      live(t);
      const loyal = await member();
      const lapsed = await member();
      for (const total of [100, 200, 2500]) await h.loyalty.onOrderEvent(await orderEvent(db(), { customerId: loyal, status: 'paid', total, at: at() }));
      await orderEvent(db(), { customerId: lapsed, status: 'paid', total: 5, at: new Date(at().getTime() - 200 * DAY) });
      const a = await h.loyalty.customerMeasures(loyal);
      expect(a).toMatchObject({ orders: 3, spend: 2800, repeatBuyer: true, churnRisk: false });
      expect(a.rfm!.recency).toBe(5);
      const b = await h.loyalty.customerMeasures(lapsed);
      expect(b).toMatchObject({ orders: 1, repeatBuyer: false, churnRisk: true });
      expect(b.rfm!.recency).toBeLessThan(a.rfm!.recency);
      expect((await h.loyalty.churnRisk(1000)).map((c) => c.customerId)).toContain(lapsed);
      // Programme figures against an oracle computed here from every order row.
      const now = h.clock.now();
      const orders = await sql<{ customer_id: string; total: number; status: string; t: Date; tier: string | null }>`
        select o.customer_id, o.total, o.status, coalesce(o.paid_at, o.delivered_at, o.created_at) as t, m.tier
        from orders o left join loyalty_members m on m.customer_id = o.customer_id where o.customer_id is not null`.execute(db());
      const counted = orders.rows.filter((o) => ['paid', 'shipped', 'delivered'].includes(o.status));
      const perCustomer = new Map<string, number>();
      for (const o of counted) perCustomer.set(o.customer_id, (perCustomer.get(o.customer_id) ?? 0) + 1);
      const recent = counted.filter((o) => new Date(o.t).getTime() >= now.getTime() - 365 * DAY);
      const revenue = recent.reduce((s, o) => s + Number(o.total), 0);
      const premium = recent.filter((o) => o.tier === 'gold' || o.tier === 'diamond').reduce((s, o) => s + Number(o.total), 0);
      const p = await h.loyalty.programmeMeasures();
      expect(p.buyers).toBe(perCustomer.size);
      expect(p.repeatPurchaseRate).toBeCloseTo([...perCustomer.values()].filter((n) => n >= 2).length / perCustomer.size, 6);
      expect(p.premiumRevenueShare).toBeCloseTo(premium / revenue, 6);
      expect(p.premiumRevenueShare).toBeGreaterThan(0);
    });
    // Last: syncing the shipped catalog retires the test rewards.
    it('builds the module from the config folder, mirroring the rewards catalog into the database', async (t) => {
      live(t);
      const mod = await buildLoyaltyModule({ db: db(), clock: h.clock, configDir: CONFIG_DIR, consent: h.consent, notify: async () => {} });
      expect(mod.listener).toBe(mod.loyalty);
      expect((await mod.loyalty.rewards()).map((r) => r.id).sort()).toEqual(['coupon-10pct', 'coupon-5', 'free-shipping']);
      expect(await mod.jobs.awardBirthdayBonuses(new Date('2000-01-01T00:00:00Z'))).toMatchObject({ awarded: expect.any(Number) });
      expect(await mod.jobs.reviewTiers()).toMatchObject({ reviewed: expect.any(Number) });
      expect(await mod.jobs.expirePoints()).toMatchObject({ points: expect.any(Number) });
    });
  });
}
