import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackDeskRepository } from '../../../src/channels/slack/agent-desk/index.js';
import { OutboxRepository } from '../../../src/channels/delivery/outbox.repository.js';
import { newId } from '../../../src/core/ids.js';
import { ConversationRepository } from '../../../src/crm/conversations/conversation.repository.js';
import { CustomerRepository } from '../../../src/crm/customers/customer.repository.js';
import { StaffService } from '../../../src/crm/staff/staff.service.js';
import { migrate, openStore, type Store } from '../../../src/storage/database.js';
import { freshDatabase, requirePostgres } from '../../setup/servers.js';

const dir = mkdtempSync(join(tmpdir(), 'patron-slack-desk-repo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeDeskRepository('PGlite (embedded)', () => openStore({ dataDir: dir }));
describeDeskRepository('PostgreSQL server', async () => (requirePostgres() ? openStore({ databaseUrl: await freshDatabase('slack_desk') }) : null));

function describeDeskRepository(name: string, open: () => Promise<Store | null>): void {
  describe(`slack desk repository: ${name}`, () => {
    let store: Store | null = null;
    beforeAll(async () => {
      store = await open();
      if (store) await migrate(store.db);
    });
    afterAll(async () => {
      await store?.close();
    });

    async function conversation(s: Store) {
      const customerId = await new CustomerRepository(s.db).createWithIdentity({ channel: 'webchat', externalId: newId(), displayName: 'Ana', at: new Date() });
      return new ConversationRepository(s.db).ensure('webchat', newId(), customerId);
    }

    it('reserves one thread per conversation under concurrency and finds it by its ts', async (t) => {
      const s = store ?? t.skip();
      const repo = new SlackDeskRepository(s!.db);
      const conv = await conversation(s!);
      const won = await Promise.all([1, 2, 3].map(() => repo.reserveThread(conv.id, 'CDESK', new Date(0))));
      expect(won.filter(Boolean)).toHaveLength(1);
      expect(await repo.threadByTs('CDESK', '1.000100')).toBeUndefined();
      await repo.setThreadTs(conv.id, '1.000100');
      expect(await repo.threadByTs('CDESK', '1.000100')).toMatchObject({ conversationId: conv.id, active: true });
      await repo.setActive(conv.id, false);
      expect((await repo.thread(conv.id))?.active).toBe(false);
    });

    it('lists unposted items oldest first and lets one caller claim each item', async (t) => {
      const s = store ?? t.skip();
      const repo = new SlackDeskRepository(s!.db);
      const conv = await conversation(s!);
      await s!.db.insertInto('inbound_messages').values({ id: newId(), channel: 'webchat', external_id: conv.external_id, conversation_id: conv.id, customer_id: conv.customer_id, text: 'help me', payload: null, locale: null, intent: null, confidence: null, flow: null, received_at: new Date() }).execute();
      const outbox = new OutboxRepository(s!.db);
      await outbox.enqueue({ dedupeKey: `agent:${conv.id}:x`, channel: 'webchat', recipient: conv.external_id, kind: 'agent', author: 'Mia', message: { text: 'hi, Mia here' }, conversationId: conv.id, customerId: conv.customer_id });
      await outbox.enqueue({ dedupeKey: `camp:${conv.id}`, channel: 'webchat', recipient: conv.external_id, kind: 'campaign', message: { text: 'sale!' }, conversationId: conv.id, customerId: conv.customer_id });
      const items = await repo.unposted(conv.id, new Date(0));
      expect(items.map((i) => [i.author, i.text])).toEqual([['customer', 'help me'], ['agent', 'hi, Mia here']]);
      expect(items[1]).toMatchObject({ key: `out:agent:${conv.id}:x`, authorName: 'Mia' });
      const claims = await Promise.all([1, 2].map(() => repo.claimItem(conv.id, items[0].key)));
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect((await repo.unposted(conv.id, new Date(0))).map((i) => i.text)).toEqual(['hi, Mia here']);
      await repo.releaseItem(items[0].key);
      expect(await repo.unposted(conv.id, new Date(Date.now() + 60_000))).toEqual([]);
      expect((await repo.contextStart(conv.id)).getTime()).toBe(0);
    });

    it('gives an item back once its claim outlives the lease unposted, to one taker; settled items never come back', async (t) => {
      const s = store ?? t.skip();
      const repo = new SlackDeskRepository(s!.db);
      const conv = await conversation(s!);
      const say = async (text: string) => {
        const id = newId();
        await s!.db.insertInto('inbound_messages').values({ id, channel: 'webchat', external_id: newId(), conversation_id: conv.id, customer_id: conv.customer_id, text, payload: null, locale: null, intent: null, confidence: null, flow: null, received_at: new Date() }).execute();
        return `in:${id}`;
      };
      const [lost, posted, skipped, fromSlack] = [await say('lost'), await say('posted'), await say('skipped'), await say('typed in Slack')];
      const texts = async () => (await repo.unposted(conv.id, new Date(0), 50, 60_000)).map((i) => i.text);
      for (const key of [lost, posted, skipped]) expect(await repo.claimItem(conv.id, key, null, 60_000)).toBe(true);
      expect(await repo.claimItem(conv.id, fromSlack, '1.000200')).toBe(true);
      await repo.itemPosted(posted, '1.000300');
      await repo.itemPosted(skipped, undefined);
      // Within the lease the claim holds: nothing to post, nobody else may claim it.
      expect(await texts()).toEqual([]);
      expect(await repo.claimItem(conv.id, lost, null, 60_000)).toBe(false);
      // Ten minutes on (every row aged alike): only the claim that never got its ts is unposted again.
      await s!.db.updateTable('slack_desk_posts').set({ claimed_at: sql<Date>`claimed_at - interval '10 minutes'` }).where('conversation_id', '=', conv.id).execute();
      expect(await texts()).toEqual(['lost']);
      const takers = await Promise.all([1, 2, 3].map(() => repo.claimItem(conv.id, lost, null, 60_000)));
      expect(takers.filter(Boolean)).toHaveLength(1);
      expect(await texts()).toEqual([]);
      expect(await repo.claimItem(conv.id, posted, null, 60_000)).toBe(false);
      expect(await repo.claimItem(conv.id, skipped, null, 60_000)).toBe(false);
      expect(await repo.claimItem(conv.id, fromSlack, null, 60_000)).toBe(false);
      expect(await repo.toCatchUp(null, 10)).not.toContain(conv.id);
      await repo.reserveThread(conv.id, 'CDESK', new Date(0));
      expect(await repo.toCatchUp(null, 1_000)).toContain(conv.id);
      await repo.setActive(conv.id, false);
      expect(await repo.toCatchUp(null, 1_000)).not.toContain(conv.id);
      // Handed off again with no active thread (the event that re-opens it missed): listed again.
      await s!.db.updateTable('conversations').set({ owner: 'queue' }).where('id', '=', conv.id).execute();
      expect(await repo.toCatchUp(null, 1_000)).toContain(conv.id);
      await s!.db.updateTable('conversations').set({ owner: 'bot' }).where('id', '=', conv.id).execute();
    });

    it('links a Slack user to an active staff member matched by e-mail, whatever its case', async (t) => {
      const s = store ?? t.skip();
      const repo = new SlackDeskRepository(s!.db);
      const email = `Kai.${newId().slice(0, 8)}@Shop.test`;
      const { id } = await new StaffService(s!.db).create({ name: 'Kai', role: 'agent', email });
      expect(await repo.staffByEmail(email.toLowerCase())).toEqual({ id, name: 'Kai', role: 'agent' });
      const slackId = `U${newId().slice(0, 8)}`;
      await repo.link(slackId, id);
      await repo.link(slackId, id);
      expect(await repo.linkedStaff(slackId)).toEqual({ id, name: 'Kai', role: 'agent' });
      await s!.db.updateTable('staff_users').set({ disabled_at: new Date() }).where('id', '=', id).execute();
      expect(await repo.linkedStaff(slackId)).toBeUndefined();
    });

    it('forgets the mirror rows of an erased conversation', async (t) => {
      const s = store ?? t.skip();
      const repo = new SlackDeskRepository(s!.db);
      const conv = await conversation(s!);
      await repo.reserveThread(conv.id, 'CDESK', new Date(0));
      await repo.claimItem(conv.id, `in:${newId()}`);
      await s!.db.deleteFrom('conversations').where('id', '=', conv.id).execute();
      expect(await repo.thread(conv.id)).toBeUndefined();
      expect(await s!.db.selectFrom('slack_desk_posts').select('item_key').where('conversation_id', '=', conv.id).execute()).toEqual([]);
    });
  });
}
