import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { newId } from '../../../src/core/ids.js';
import { ConsentRepository, liveConsentCustomerIds } from '../../../src/crm/consent/consent.repository.js';
import { ConsentService } from '../../../src/crm/consent/consent.service.js';
import { migrate, type Store } from '../../../src/storage/database.js';

/** The consent ledger and the "may we message them?" rules, the same on PGlite and PostgreSQL. */
export function describeConsentContract(name: string, open: () => Promise<Store | null>): void {
  describe(`consent: ${name}`, () => {
    let store: Store | null = null;
    let consent: ConsentService;
    let repo: ConsentRepository;
    const clock = new ManualClock('2026-04-01T10:00:00Z');

    beforeAll(async () => {
      store = await open();
      if (!store) return;
      await migrate(store.db);
      repo = new ConsentRepository(store.db);
      consent = new ConsentService(repo, clock);
    });
    afterAll(async () => {
      await store?.close();
    });
    const live = (t: { skip(): never }) => store ?? t.skip();

    async function customer(opts: { channel?: string; unreachable?: boolean; erased?: boolean } = {}): Promise<string> {
      const id = newId();
      await store!.db.insertInto('customers').values({ id, name: 'Bo', locale: 'en', timezone: null, first_seen_at: clock.now(), last_seen_at: clock.now() }).execute();
      await store!.db.insertInto('identities').values({
        id: newId(), customer_id: id, channel: opts.channel ?? 'telegram', external_id: newId(), display_name: null,
        unreachable_at: opts.unreachable ? clock.now() : null, unreachable_reason: opts.unreachable ? 'blocked the bot' : null,
      }).execute();
      if (opts.erased) await sql`update customers set erased_at = ${clock.now()} where id = ${id}`.execute(store!.db);
      return id;
    }

    it('lets the latest record win: grant, withdraw, grant again', async (t) => {
      live(t);
      const c = await customer();
      await consent.grant(c, 'telegram', 'marketing', 'web_form', 'form-1');
      clock.advance(1000);
      await consent.withdraw(c, 'telegram', 'marketing', 'keyword', 'msg-1');
      expect(await consent.mayMarket(c, 'telegram')).toBe(false);
      clock.advance(1000);
      await consent.grant(c, 'telegram', 'marketing', 'keyword', 'msg-2');
      expect(await consent.mayMarket(c, 'telegram')).toBe(true);
      expect((await consent.history(c)).map((r) => r.granted)).toEqual([true, false, true]);
    });

    it('records a staff change and its audit row together: a failing audit records nothing', async (t) => {
      live(t);
      const c = await customer();
      await expect(consent.grant(c, 'telegram', 'marketing', 'admin', 'phone call (by Mia)', async () => { throw new Error('audit log down'); })).rejects.toThrow(/audit log down/);
      expect(await consent.history(c)).toEqual([]);
      let audited = 0;
      await consent.grant(c, 'telegram', 'marketing', 'admin', 'phone call (by Mia)', async (trx) => {
        // The record is visible inside the transaction the audit runs in.
        expect((await new ConsentRepository(trx).latest(c, 'telegram', 'marketing'))?.granted).toBe(true);
        audited++;
      });
      expect(audited).toBe(1);
      expect(await consent.mayMarket(c, 'telegram')).toBe(true);
    });

    it('does not let a back-dated import override a newer withdrawal', async (t) => {
      live(t);
      const c = await customer();
      await consent.withdraw(c, 'telegram', 'marketing', 'keyword', 'stop-1');
      await repo.append({ customerId: c, channel: 'telegram', purpose: 'marketing', granted: true, source: 'import', evidence: 'old.csv#3' }, new Date(clock.now().getTime() - 86_400_000));
      expect(await consent.mayMessage(c, 'telegram', 'marketing')).toBe(false);
    });

    it('refuses an import without evidence and an unknown source', async (t) => {
      live(t);
      const c = await customer();
      await expect(consent.grant(c, 'telegram', 'marketing', 'import')).rejects.toMatchObject({ code: 'validation_failed', message: expect.stringContaining('evidence') });
      await expect(consent.grant(c, 'telegram', 'marketing', 'import', '   ')).rejects.toMatchObject({ code: 'validation_failed' });
      await expect(consent.grant(c, 'telegram', 'marketing', 'rumour', 'x')).rejects.toMatchObject({ code: 'validation_failed' });
      await consent.grant(c, 'telegram', 'marketing', 'import', 'crm-export.csv row 12');
      expect(await consent.mayMarket(c, 'telegram')).toBe(true);
    });

    it('raises when anything tries to UPDATE or DELETE a ledger row', async (t) => {
      live(t);
      const c = await customer();
      await consent.grant(c, 'telegram', 'marketing', 'admin', 'ticket 7');
      await expect(sql`update consents set granted = false where customer_id = ${c}`.execute(store!.db)).rejects.toThrow(/append-only/);
      await expect(sql`delete from consents where customer_id = ${c}`.execute(store!.db)).rejects.toThrow(/append-only/);
      expect(await consent.history(c)).toHaveLength(1);
    });

    it('lets an identity merge re-key a record to another customer but refuses any other change', async (t) => {
      live(t);
      const from = await customer();
      const to = await customer();
      await consent.grant(from, 'telegram', 'marketing', 'web_form', 'merge-1');
      await store!.db.updateTable('consents').set({ customer_id: to }).where('customer_id', '=', from).execute();
      expect((await consent.history(to)).map((r) => r.evidence)).toEqual(['merge-1']);
      await expect(store!.db.updateTable('consents').set({ customer_id: from, evidence: 'forged' }).where('customer_id', '=', to).execute()).rejects.toThrow(/append-only/);
      await expect(sql`update consents set created_at = created_at - interval '1 day' where customer_id = ${to}`.execute(store!.db)).rejects.toThrow(/append-only/);
    });

    it('accepts a subsystem-prefixed source and applies the rules of its kind', async (t) => {
      live(t);
      const c = await customer();
      await consent.grant(c, 'telegram', 'marketing', 'loyalty_enrolment', 'terms-v1');
      await expect(consent.grant(c, 'telegram', 'marketing', 'shop_import')).rejects.toMatchObject({ code: 'validation_failed' });
      await expect(consent.grant(c, 'telegram', 'marketing', '_import', 'x')).rejects.toMatchObject({ code: 'validation_failed' });
      expect(await consent.mayMarket(c, 'telegram')).toBe(true);
    });

    it('allows marketing only with a live opt-in on that channel', async (t) => {
      live(t);
      const c = await customer();
      expect(await consent.explain(c, 'telegram', 'marketing')).toEqual({ allowed: false, reason: 'no_consent' });
      await consent.grant(c, 'slack', 'marketing', 'web_form', 'f');
      expect(await consent.mayMessage(c, 'telegram', 'marketing')).toBe(false);
      await consent.grant(c, 'telegram', 'marketing', 'web_form', 'f');
      expect(await consent.mayMessage(c, 'telegram', 'marketing')).toBe(true);
      clock.advance(1000);
      await consent.withdraw(c, 'telegram', 'marketing', 'keyword', 'STOP');
      expect(await consent.explain(c, 'telegram', 'marketing')).toEqual({ allowed: false, reason: 'withdrawn' });
    });

    it('answers for a point in time: before the opt-in it was not allowed', async (t) => {
      live(t);
      const c = await customer();
      const before = clock.now();
      clock.advance(60_000);
      await consent.grant(c, 'telegram', 'marketing', 'api', 'req-1');
      expect(await consent.mayMessage(c, 'telegram', 'marketing', before)).toBe(false);
      expect(await consent.mayMessage(c, 'telegram', 'marketing', clock.now())).toBe(true);
    });

    it('refuses marketing to an unreachable identity even with an opt-in', async (t) => {
      live(t);
      const c = await customer({ unreachable: true });
      await consent.grant(c, 'telegram', 'marketing', 'web_form', 'f');
      expect(await consent.explain(c, 'telegram', 'marketing')).toEqual({ allowed: false, reason: 'unreachable' });
      expect(await consent.mayMessage(c, 'telegram', 'transactional')).toBe(false);
    });

    it('refuses marketing to an erased customer but still allows transactional messages to a reachable identity', async (t) => {
      live(t);
      const c = await customer({ erased: true });
      await consent.grant(c, 'telegram', 'marketing', 'web_form', 'f');
      expect(await consent.explain(c, 'telegram', 'marketing')).toEqual({ allowed: false, reason: 'erased' });
      expect(await consent.mayMessage(c, 'telegram', 'transactional')).toBe(true);
    });

    it('allows transactional messages without any consent record, only on a channel with an identity', async (t) => {
      live(t);
      const c = await customer();
      expect(await consent.mayMessage(c, 'telegram', 'transactional')).toBe(true);
      expect(await consent.mayMessage(c, 'slack', 'transactional')).toBe(false);
      expect(await consent.mayMessage(newId(), 'telegram', 'transactional')).toBe(false);
    });

    it('snapshots the state in force per channel and purpose', async (t) => {
      live(t);
      const c = await customer();
      await consent.grant(c, 'telegram', 'marketing', 'web_form', 'a');
      clock.advance(1000);
      await consent.withdraw(c, 'telegram', 'marketing', 'keyword', 'b');
      await consent.grant(c, 'slack', 'marketing', 'enrolment', 'c');
      await consent.grant(c, 'telegram', 'transactional', 'api', 'd');
      const snap = await consent.snapshot(c);
      expect(snap.map((s) => [s.channel, s.purpose, s.granted, s.source])).toEqual([
        ['slack', 'marketing', true, 'enrolment'],
        ['telegram', 'marketing', false, 'keyword'],
        ['telegram', 'transactional', true, 'api'],
      ]);
    });

    it('lists in batch exactly the customers whose latest marketing record is a grant', async (t) => {
      live(t);
      const channel = `ch-${newId().slice(0, 8)}`;
      const yes = await customer({ channel });
      const no = await customer({ channel });
      const never = await customer({ channel });
      await consent.grant(yes, channel, 'marketing', 'web_form', '1');
      await consent.grant(no, channel, 'marketing', 'web_form', '2');
      clock.advance(1000);
      await consent.withdraw(no, channel, 'marketing', 'keyword', '3');
      await consent.withdraw(yes, channel, 'transactional', 'admin', '4');
      const ids = (await liveConsentCustomerIds(store!.db, channel, 'marketing').execute()).map((r) => r.customer_id);
      expect(ids).toEqual([yes]);
      expect(await consent.liveConsentPage(channel, 'marketing')).toEqual([yes]);
      expect(ids).not.toContain(never);
    });

    it('ignores a redelivered keyword with the same evidence', async (t) => {
      live(t);
      const c = await customer();
      await consent.withdraw(c, 'telegram', 'marketing', 'keyword', 'update-55');
      await consent.withdraw(c, 'telegram', 'marketing', 'keyword', 'update-55');
      expect(await consent.history(c)).toHaveLength(1);
    });
  });
}
