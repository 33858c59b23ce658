import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxRepository } from '../../../src/channels/delivery/outbox.repository.js';
import { newId } from '../../../src/core/ids.js';
import { ConsentRepository } from '../../../src/crm/consent/consent.repository.js';
import { ConsentService } from '../../../src/crm/consent/consent.service.js';
import { ConversationRepository } from '../../../src/crm/conversations/conversation.repository.js';
import { TranscriptRepository } from '../../../src/crm/conversations/transcript.repository.js';
import { TurnLogRepository, type TurnRecord } from '../../../src/crm/conversations/turn-log.repository.js';
import { CustomerRepository } from '../../../src/crm/customers/customer.repository.js';
import { SettingsRepository } from '../../../src/crm/settings/settings.repository.js';
import { migrate, type Store } from '../../../src/storage/database.js';

/**
 * The repository contract: the same tests on PGlite and on a real PostgreSQL server. `open`
 * returns a store on an empty database (or null to skip, with the reason already printed).
 */
export function describeStoreContract(name: string, open: () => Promise<Store | null>): void {
  describe(`storage contract: ${name}`, () => {
    let store: Store | null = null;
    beforeAll(async () => {
      store = await open();
      if (store) await migrate(store.db);
    });
    afterAll(async () => {
      await store?.close();
    });
    const live = () => {
      if (!store) return null;
      return store;
    };

    it('applies migrations once and reports nothing new the second time', async (t) => {
      const s = live() ?? t.skip();
      expect(await migrate(s!.db)).toEqual([]);
    });

    it('creates one customer for an identity even when two callers race', async (t) => {
      const s = live() ?? t.skip();
      const repo = new CustomerRepository(s!.db);
      const p = { channel: 'telegram', externalId: `u-${newId()}`, displayName: 'Ana', at: new Date() };
      const ids = await Promise.all([repo.createWithIdentity(p), repo.createWithIdentity(p), repo.createWithIdentity(p)]);
      expect(new Set(ids).size).toBe(1);
      expect(await repo.findIdByIdentity('telegram', p.externalId)).toBe(ids[0]);
      // The losers leave no customer behind: the one statement writes the customer only with its identity.
      const named = await s!.db.selectFrom('customers').select('id').where('name', '=', 'Ana').where('first_seen_at', '=', p.at).execute();
      expect(named.map((r) => r.id)).toEqual([ids[0]]);
      const results = await Promise.all([1, 2].map(() => repo.createForIdentity({ ...p, externalId: `${p.externalId}-2`, displayName: 'Bo', locale: 'zh-CN' })));
      expect(results.map((r) => r.created).sort()).toEqual([false, true]);
      expect(results[0].customer).toEqual(results[1].customer);
      expect(results[0].customer).toMatchObject({ name: 'Bo', locale: 'zh-CN' });
      expect(await repo.findByIdentity('telegram', `${p.externalId}-2`)).toEqual(results[0].customer);
    });

    it('ensures one conversation per channel thread under concurrency', async (t) => {
      const s = live() ?? t.skip();
      const customerId = await new CustomerRepository(s!.db).createWithIdentity({ channel: 'webchat', externalId: newId(), at: new Date() });
      const repo = new ConversationRepository(s!.db);
      const ext = newId();
      const rows = await Promise.all([1, 2, 3].map(() => repo.ensure('webchat', ext, customerId)));
      expect(new Set(rows.map((r) => r.id)).size).toBe(1);
      expect(rows[0].owner).toBe('bot');
      // Insert-first (a thread of a customer created just now) is as race-safe, and finds an existing thread.
      const ext2 = newId();
      const fresh = await Promise.all([1, 2, 3].map(() => repo.ensure('webchat', ext2, customerId, 'en', { fresh: true })));
      expect(new Set(fresh.map((r) => r.id)).size).toBe(1);
      expect((await repo.ensure('webchat', ext, customerId, undefined, { fresh: true })).id).toBe(rows[0].id);
    });

    it('transfers ownership only from the expected owner, so one of two claims wins', async (t) => {
      const s = live() ?? t.skip();
      const { conversation } = await seedConversation(s!);
      const repo = new ConversationRepository(s!.db);
      const [a, b] = await Promise.all([
        repo.transferOwner(conversation.id, ['bot', 'queue'], 'agent', 'agent-a'),
        repo.transferOwner(conversation.id, ['bot', 'queue'], 'agent', 'agent-b'),
      ]);
      expect([a, b].filter(Boolean)).toHaveLength(1);
    });

    it('commits a turn once: a redelivered message writes no second inbound row or reply', async (t) => {
      const s = live() ?? t.skip();
      const { conversation, customerId } = await seedConversation(s!);
      const log = new TurnLogRepository(s!.db);
      const externalId = `m-${newId()}`;
      const [first, second] = await Promise.all([
        log.commit(turn(conversation.id, customerId, externalId, 'hello')),
        log.commit(turn(conversation.id, customerId, externalId, 'hello')),
      ]);
      expect([first.accepted, second.accepted].sort()).toEqual([false, true]);
      const third = await log.commit(turn(conversation.id, customerId, externalId, 'hello'));
      expect(third.accepted).toBe(false);
      const rows = await s!.db.selectFrom('outbox').select('id').where('conversation_id', '=', conversation.id).execute();
      expect(rows).toHaveLength(1);
      const saved = await new ConversationRepository(s!.db).findById(conversation.id);
      expect(saved?.state).toEqual({ step: 'x' });
    });

    it('writes no bot reply into a thread an agent owns, but keeps the customer message', async (t) => {
      const s = live() ?? t.skip();
      const { conversation, customerId } = await seedConversation(s!);
      await new ConversationRepository(s!.db).transferOwner(conversation.id, ['bot'], 'agent', 'agent-1');
      const commit = await new TurnLogRepository(s!.db).commit(turn(conversation.id, customerId, newId(), 'are you there?'));
      expect(commit.accepted).toBe(true);
      expect(commit.outbox).toEqual([]);
      const transcript = await new TranscriptRepository(s!.db).forConversation(conversation.id);
      expect(transcript.map((e) => e.direction)).toEqual(['in']);
    });

    it('answers each turn of a batch with its own written replies, in order, with their messages and row ids', async (t) => {
      const s = live() ?? t.skip();
      const bot = await seedConversation(s!);
      const taken = await seedConversation(s!);
      await new ConversationRepository(s!.db).transferOwner(taken.conversation.id, ['bot'], 'agent', 'agent-1');
      const log = new TurnLogRepository(s!.db);
      const threeReplies = (c: typeof bot, text: string): TurnRecord => ({
        ...turn(c.conversation.id, c.customerId, newId(), text),
        replies: [
          { message: { text: `${text} 1` }, kind: 'reply', delivered: true },
          { message: { text: `${text} notice` }, kind: 'system', delivered: true },
          { message: { text: `${text} 3`, quickReplies: [{ label: 'a', payload: 'A' }, { label: 'b' }] }, kind: 'reply', delivered: true },
        ],
      });
      // Queued in one tick, so they share a batch; the agent-owned turn keeps only its system notice.
      const [a, b, c] = await Promise.all([
        log.commit(threeReplies(bot, 'first')), log.commit(threeReplies(taken, 'taken')), log.commit(threeReplies(bot, 'second')),
      ]);
      expect(a.outbox.map((o) => o.message)).toEqual([{ text: 'first 1' }, { text: 'first notice' }, { text: 'first 3', quickReplies: [{ label: 'a', payload: 'A' }, { label: 'b' }] }]);
      expect(b.outbox.map((o) => o.message)).toEqual([{ text: 'taken notice' }]);
      expect(c.outbox.map((o) => o.message)).toEqual([{ text: 'second 1' }, { text: 'second notice' }, { text: 'second 3', quickReplies: [{ label: 'a', payload: 'A' }, { label: 'b' }] }]);
      for (const o of [...a.outbox, ...b.outbox, ...c.outbox]) expect(o.status).toBe('sent');
      const stored = await s!.db.selectFrom('outbox').select(['id', 'message']).where('conversation_id', 'in', [bot.conversation.id, taken.conversation.id]).execute();
      const byId = new Map(stored.map((r) => [String(r.id), r.message]));
      for (const o of [...a.outbox, ...b.outbox, ...c.outbox]) expect(byId.get(o.id)).toEqual(o.message);
      expect(stored).toHaveLength(7);
    });

    it('batches many concurrent turns into group commits without losing any', async (t) => {
      const s = live() ?? t.skip();
      const { conversation, customerId } = await seedConversation(s!);
      const log = new TurnLogRepository(s!.db);
      const results = await Promise.all(Array.from({ length: 120 }, (_, i) => log.commit(turn(conversation.id, customerId, `bulk-${conversation.id}-${i}`, `n${i}`))));
      expect(results.every((r) => r.accepted && r.outbox.length === 1)).toBe(true);
      const transcript = await new TranscriptRepository(s!.db).forConversation(conversation.id, 500);
      expect(transcript.filter((e) => e.direction === 'in')).toHaveLength(120);
    });

    it('leases outbox rows to one claimer at a time and skips locked rows', async (t) => {
      const s = live() ?? t.skip();
      const repo = new OutboxRepository(s!.db);
      const channel = `test-${newId().slice(0, 8)}`;
      for (let i = 0; i < 30; i++) await repo.enqueue({ dedupeKey: `${channel}-${i}`, channel, recipient: 'r', kind: 'system', message: { text: `m${i}` } });
      expect(await repo.enqueue({ dedupeKey: `${channel}-0`, channel, recipient: 'r', kind: 'system', message: { text: 'again' } })).toBe(false);
      const [a, b, c] = await Promise.all([repo.claim([channel], 12), repo.claim([channel], 12), repo.claim([channel], 12)]);
      const ids = [...a, ...b, ...c].map((r) => r.id);
      expect(ids).toHaveLength(30);
      expect(new Set(ids).size).toBe(30);
      expect(await repo.claim([channel], 10)).toEqual([]);
    });

    it('answers owner checks and records sends made together, each for its own row', async (t) => {
      const s = live() ?? t.skip();
      const repo = new OutboxRepository(s!.db);
      const channel = `marks-${newId().slice(0, 8)}`;
      const [one, two] = [await seedConversation(s!), await seedConversation(s!)];
      await new ConversationRepository(s!.db).transferOwner(two.conversation.id, ['bot'], 'agent', 'agent-2');
      expect(await Promise.all([repo.ownerOf(one.conversation.id), repo.ownerOf(two.conversation.id), repo.ownerOf(one.conversation.id), repo.ownerOf(newId())]))
        .toEqual(['bot', 'agent', 'bot', undefined]);
      for (let i = 0; i < 5; i++) await repo.enqueue({ dedupeKey: `${channel}-${i}`, channel, recipient: `r${i}`, kind: 'system', message: { text: `m${i}` } });
      const claimed = await repo.claim([channel], 10);
      await Promise.all(claimed.map((row) => repo.markSent(row.id, row.recipient === 'r3' ? undefined : `pm-${row.recipient}`)));
      const rows = await s!.db.selectFrom('outbox').select(['recipient', 'status', 'platform_message_id', 'sent_at']).where('channel', '=', channel).orderBy('recipient').execute();
      expect(rows.map((r) => [r.recipient, r.status, r.platform_message_id])).toEqual([
        ['r0', 'sent', 'pm-r0'], ['r1', 'sent', 'pm-r1'], ['r2', 'sent', 'pm-r2'], ['r3', 'sent', null], ['r4', 'sent', 'pm-r4'],
      ]);
      expect(rows.every((r) => r.sent_at instanceof Date)).toBe(true);
    });

    it('returns leased rows to the queue when their lease has expired', async (t) => {
      const s = live() ?? t.skip();
      const repo = new OutboxRepository(s!.db);
      const channel = `lease-${newId().slice(0, 8)}`;
      await repo.enqueue({ dedupeKey: `${channel}-1`, channel, recipient: 'r', kind: 'system', message: { text: 'x' } });
      const [row] = await repo.claim([channel], 1);
      await s!.db.updateTable('outbox').set({ next_attempt_at: new Date(Date.now() - 1000) }).where('id', '=', row.id).execute();
      expect(await repo.releaseExpiredLeases()).toBeGreaterThanOrEqual(1);
      expect((await repo.claim([channel], 1)).map((r) => r.id)).toEqual([row.id]);
    });

    it('keeps the consent ledger append-only with the latest record in force', async (t) => {
      const s = live() ?? t.skip();
      const { customerId } = await seedConversation(s!);
      const consent = new ConsentService(new ConsentRepository(s!.db));
      expect(await consent.mayMarket(customerId, 'telegram')).toBe(false);
      await consent.grant(customerId, 'telegram', 'marketing', 'web_form');
      expect(await consent.mayMarket(customerId, 'telegram')).toBe(true);
      await consent.withdraw(customerId, 'telegram', 'marketing', 'keyword', 'telegram:1');
      await consent.withdraw(customerId, 'telegram', 'marketing', 'keyword', 'telegram:1');
      expect(await consent.mayMarket(customerId, 'telegram')).toBe(false);
      expect(await consent.mayMarket(customerId, 'slack')).toBe(false);
      expect((await consent.history(customerId)).map((r) => r.granted)).toEqual([true, false]);
    });

    it('stores a generated setting once, whoever asks first', async (t) => {
      const s = live() ?? t.skip();
      const settings = new SettingsRepository(s!.db);
      const key = `k-${newId()}`;
      const values = await Promise.all([settings.getOrCreate(key, () => 'a'), settings.getOrCreate(key, () => 'b')]);
      expect(values[0]).toBe(values[1]);
    });
  });
}

async function seedConversation(store: Store) {
  const customerId = await new CustomerRepository(store.db).createWithIdentity({ channel: 'webchat', externalId: newId(), at: new Date() });
  const conversation = await new ConversationRepository(store.db).ensure('webchat', newId(), customerId);
  return { customerId, conversation };
}

function turn(conversationId: string, customerId: string, externalId: string, text: string): TurnRecord {
  return {
    inbound: {
      id: newId(), channel: 'webchat', externalId, conversationId, customerId, text, payload: null, locale: 'en',
      intent: 'greeting', confidence: 0.9, flow: 'greeting', receivedAt: new Date(),
    },
    replies: [{ message: { text: `re: ${text}` }, kind: 'reply', delivered: false }],
    recipient: 'visitor',
    state: { step: 'x' },
  };
}
