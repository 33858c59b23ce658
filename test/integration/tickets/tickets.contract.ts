import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { newId } from '../../../src/core/ids.js';
import { buildTicketModule, type TicketModule } from '../../../src/crm/tickets/index.js';
import type { SurveyNotice } from '../../../src/crm/tickets/ticket.types.js';
import { migrate, type Store } from '../../../src/storage/database.js';

const HOUR = 3_600_000;
const CONFIG_DIR = new URL('../../../config', import.meta.url).pathname;

/** Ticket rules and storage, the same on PGlite and PostgreSQL. */
export function describeTicketContract(name: string, open: () => Promise<Store | null>): void {
  describe(`tickets: ${name}`, () => {
    let store: Store | null = null;
    let mod: TicketModule;
    const clock = new ManualClock('2026-03-02T09:00:00Z');
    const sent: { customerId: string; notice: SurveyNotice }[] = [];
    let failNextNotice = false;

    beforeAll(async () => {
      store = await open();
      if (!store) return;
      await migrate(store.db);
      mod = buildTicketModule({ db: store.db, clock, configDir: CONFIG_DIR, notify: async (customerId, notice) => {
        if (failNextNotice) {
          failNextNotice = false;
          throw new Error('outbox down');
        }
        sent.push({ customerId, notice });
      } });
    });
    afterAll(async () => {
      await store?.close();
    });
    const live = (t: { skip(): never }) => store ?? t.skip();

    async function customer(tier?: string): Promise<string> {
      const id = newId();
      await store!.db.insertInto('customers').values({ id, name: 'Ana', locale: 'en', timezone: null, first_seen_at: clock.now(), last_seen_at: clock.now() }).execute();
      if (tier) {
        const at = clock.now();
        await sql`insert into loyalty_members (customer_id, tier, joined_at, terms_version, terms_accepted_at, next_review_at, tier_since)
          values (${id}, ${tier}, ${at}, 'v1', ${at}, ${at}, ${at})`.execute(store!.db);
      }
      return id;
    }
    const open1 = (customerId: string, extra: Record<string, unknown> = {}) =>
      mod.tickets.create({ customerId, channel: 'webchat', category: 'delivery', subject: 'Parcel late', ...extra });

    it('numbers tickets from a sequence as T- and six digits, each one higher', async (t) => {
      live(t);
      const c = await customer();
      const a = await open1(c);
      const b = await open1(c);
      expect(a.number).toMatch(/^T-\d{6}$/);
      expect(Number(b.number.slice(2))).toBe(Number(a.number.slice(2)) + 1);
      expect(a.status).toBe('open');
    });

    it('returns the same ticket when create is repeated with the same idempotency key, even concurrently', async (t) => {
      live(t);
      const c = await customer();
      const key = `complaint-${newId()}`;
      const [a, b, d] = await Promise.all([open1(c, { idempotencyKey: key }), open1(c, { idempotencyKey: key }), open1(c, { idempotencyKey: key })]);
      expect(new Set([a.number, b.number, d.number]).size).toBe(1);
      const page = await mod.tickets.list({ customerId: c });
      expect(page.items).toHaveLength(1);
    });

    it('refuses an idempotency key that another customer already used', async (t) => {
      live(t);
      const key = `k-${newId()}`;
      await open1(await customer(), { idempotencyKey: key });
      await expect(open1(await customer(), { idempotencyKey: key })).rejects.toMatchObject({ code: 'conflict' });
    });

    it('refuses a ticket for a customer that does not exist', async (t) => {
      live(t);
      await expect(open1(newId())).rejects.toMatchObject({ code: 'validation_failed', message: expect.stringContaining('does not exist') });
    });

    it('rejects an unknown category with a message naming the field', async (t) => {
      live(t);
      await expect(open1(await customer(), { category: 'weather' })).rejects.toMatchObject({ code: 'validation_failed', message: expect.stringContaining('category') });
    });

    it('sets SLA due times from the priority hours in config', async (t) => {
      live(t);
      const c = await customer();
      const urgent = await open1(c, { priority: 'urgent' });
      const low = await open1(c, { priority: 'low' });
      const start = clock.now().getTime();
      expect(urgent.firstResponseDueAt.getTime() - start).toBe(1 * HOUR);
      expect(urgent.resolutionDueAt.getTime() - start).toBe(8 * HOUR);
      expect(low.firstResponseDueAt.getTime() - start).toBe(24 * HOUR);
      expect(low.resolutionDueAt.getTime() - start).toBe(168 * HOUR);
    });

    it('gives a gold member faster deadlines through the tier multiplier', async (t) => {
      live(t);
      const gold = await open1(await customer('gold'), { priority: 'high' });
      const plain = await open1(await customer(), { priority: 'high' });
      expect(gold.tier).toBe('gold');
      expect(gold.firstResponseDueAt.getTime() - gold.createdAt.getTime()).toBe(3 * HOUR);
      expect(gold.resolutionDueAt.getTime() - gold.createdAt.getTime()).toBe(18 * HOUR);
      expect(plain.resolutionDueAt.getTime() - plain.createdAt.getTime()).toBe(24 * HOUR);
    });

    it('allows open → pending → resolved → closed and refuses leaving closed', async (t) => {
      live(t);
      const tk = await open1(await customer());
      expect((await mod.tickets.update(tk.number, { status: 'pending' }, 'agent-1')).status).toBe('pending');
      expect((await mod.tickets.update(tk.number, { status: 'resolved' }, 'agent-1')).status).toBe('resolved');
      expect((await mod.tickets.update(tk.number, { status: 'closed' }, 'agent-1')).closedAt).not.toBeNull();
      await expect(mod.tickets.update(tk.number, { status: 'open' }, 'agent-1')).rejects.toMatchObject({ code: 'conflict' });
      const { events } = await mod.tickets.get(tk.number);
      expect(events.filter((e) => e.type === 'status_changed').map((e) => e.data)).toEqual([
        { from: 'open', to: 'pending' }, { from: 'pending', to: 'resolved' }, { from: 'resolved', to: 'closed' },
      ]);
    });

    it('applies a PATCH partially and rejects unknown patch keys', async (t) => {
      live(t);
      const tk = await open1(await customer());
      const u = await mod.tickets.update(tk.number, { assignee: 'agent-7' }, 'lead');
      expect(u).toMatchObject({ assignee: 'agent-7', status: 'open', priority: 'normal', category: 'delivery' });
      const p = await mod.tickets.update(tk.number, { priority: 'urgent', category: 'refund' }, 'lead');
      expect(p.resolutionDueAt.getTime() - p.createdAt.getTime()).toBe(8 * HOUR);
      await expect(mod.tickets.update(tk.number, { subject: 'x' } as never, 'lead')).rejects.toMatchObject({ code: 'validation_failed' });
      await expect(mod.tickets.update('T-999999999', { status: 'pending' }, 'lead')).rejects.toMatchObject({ code: 'not_found' });
    });

    it('detects a breach once: the second run at the same time returns nothing new', async (t) => {
      live(t);
      const c = await customer();
      const tk = await open1(c, { priority: 'urgent' });
      const responded = await open1(c, { priority: 'urgent' });
      await mod.tickets.recordFirstResponse(responded.number, 'agent-1');
      const at = new Date(clock.now().getTime() + 2 * HOUR);
      const first = await mod.jobs.detectBreaches(at);
      expect(first.map((x) => x.number)).toContain(tk.number);
      expect(first.map((x) => x.number)).not.toContain(responded.number);
      expect(first.find((x) => x.number === tk.number)).toMatchObject({ breachKind: 'first_response', breachedAt: at });
      const again = await mod.jobs.detectBreaches(at);
      expect(again.map((x) => x.number)).not.toContain(tk.number);
      const later = await mod.jobs.detectBreaches(new Date(at.getTime() + 10 * HOUR));
      expect(later.map((x) => x.number)).toContain(responded.number);
      expect((await mod.tickets.list({ breached: true, customerId: c })).items).toHaveLength(2);
    });

    it('does not flag a resolved ticket as breached', async (t) => {
      live(t);
      const tk = await open1(await customer(), { priority: 'urgent' });
      await mod.tickets.update(tk.number, { status: 'resolved' }, 'agent-1');
      const hit = await mod.jobs.detectBreaches(new Date(clock.now().getTime() + 100 * HOUR));
      expect(hit.map((x) => x.number)).not.toContain(tk.number);
    });

    it('keeps the first response time when a response is recorded twice', async (t) => {
      live(t);
      const tk = await open1(await customer());
      const a = await mod.tickets.recordFirstResponse(tk.number, 'agent-1');
      clock.advance(60_000);
      const b = await mod.tickets.recordFirstResponse(tk.number, 'agent-2');
      expect(b.firstResponseAt).toEqual(a.firstResponseAt);
    });

    it('queues one survey after resolution and accepts one rating from the owner only', async (t) => {
      live(t);
      const owner = await customer();
      const tk = await open1(owner);
      await expect(mod.tickets.recordSatisfaction(tk.number, owner, 5)).rejects.toMatchObject({ code: 'conflict' });
      await mod.tickets.update(tk.number, { status: 'resolved' }, 'agent-1');
      await mod.tickets.update(tk.number, { status: 'open' }, 'agent-1');
      await mod.tickets.update(tk.number, { status: 'resolved' }, 'agent-1');
      const surveys = sent.filter((s) => s.notice.ticketNumber === tk.number);
      expect(surveys).toHaveLength(1);
      expect(surveys[0]).toMatchObject({ customerId: owner, notice: { key: 'ticket.survey', vars: { number: tk.number } } });
      await expect(mod.tickets.recordSatisfaction(tk.number, await customer(), 1)).rejects.toMatchObject({ code: 'not_found' });
      await expect(mod.tickets.recordSatisfaction(tk.number, owner, 6)).rejects.toMatchObject({ code: 'validation_failed' });
      const rated = await mod.tickets.recordSatisfaction(tk.number, owner, 4, 'quick');
      expect(rated.satisfaction).toMatchObject({ score: 4, comment: 'quick' });
      await expect(mod.tickets.recordSatisfaction(tk.number, owner, 1)).rejects.toMatchObject({ code: 'conflict' });
    });

    it('resolves a ticket only together with its survey: a survey that cannot be queued leaves the ticket open, and the retry does both once', async (t) => {
      live(t);
      const owner = await customer();
      const tk = await open1(owner);
      failNextNotice = true;
      await expect(mod.tickets.update(tk.number, { status: 'resolved' }, 'agent-1')).rejects.toThrow(/outbox down/);
      expect((await mod.tickets.findForCustomer(owner, tk.number))?.status).toBe(tk.status);
      await mod.tickets.update(tk.number, { status: 'resolved' }, 'agent-1');
      expect((await mod.tickets.findForCustomer(owner, tk.number))?.status).toBe('resolved');
      expect(sent.filter((s) => s.notice.ticketNumber === tk.number)).toHaveLength(1);
    });

    it('shows a ticket to its customer and hides it from any other customer', async (t) => {
      live(t);
      const owner = await customer();
      const tk = await open1(owner);
      expect((await mod.tickets.findForCustomer(owner, tk.number))?.id).toBe(tk.id);
      expect(await mod.tickets.findForCustomer(await customer(), tk.number)).toBeUndefined();
      expect(await mod.tickets.findForCustomer('not-a-uuid', tk.number)).toBeUndefined();
    });

    it('refuses a ticket about an order of another customer', async (t) => {
      live(t);
      const other = await customer();
      const orderId = `o-${newId()}`;
      await sql`insert into orders (id, customer_id, status, total, currency, created_at) values (${orderId}, ${other}, 'paid', 10, 'EUR', now())`.execute(store!.db);
      await expect(open1(await customer(), { orderId })).rejects.toMatchObject({ code: 'forbidden' });
      expect((await open1(other, { orderId })).orderId).toBe(orderId);
    });

    it('lists with filters and pages by cursor without repeats', async (t) => {
      live(t);
      const c = await customer();
      const made = [];
      for (let i = 0; i < 5; i++) made.push(await open1(c, { priority: i % 2 ? 'high' : 'low' }));
      await mod.tickets.update(made[0].number, { assignee: 'agent-9' }, 'lead');
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await mod.tickets.list({ customerId: c, limit: 2, cursor });
        seen.push(...page.items.map((x) => x.number));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(made.map((m) => m.number).reverse());
      expect((await mod.tickets.list({ customerId: c, priority: 'high' })).items).toHaveLength(2);
      expect((await mod.tickets.list({ customerId: c, assignee: 'agent-9' })).items.map((x) => x.number)).toEqual([made[0].number]);
      expect((await mod.tickets.list({ customerId: c, assignee: null })).items).toHaveLength(4);
      expect((await mod.tickets.list({ customerId: c, status: ['open', 'pending'] })).items).toHaveLength(5);
    });

    it('keeps internal notes with author and time in order', async (t) => {
      live(t);
      const tk = await open1(await customer());
      await mod.tickets.addNote(tk.number, 'agent-1', 'called the carrier');
      await mod.tickets.addNote(tk.number, 'agent-2', 'refund approved');
      const { notes, events } = await mod.tickets.get(tk.number);
      expect(notes.map((n) => [n.author, n.text])).toEqual([['agent-1', 'called the carrier'], ['agent-2', 'refund approved']]);
      expect(events.filter((e) => e.type === 'note_added')).toHaveLength(2);
    });
  });
}
