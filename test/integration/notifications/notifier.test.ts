import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxRepository } from '../../../src/channels/delivery/outbox.repository.js';
import { CONFIG_DIR } from '../../../src/core/config.js';
import { Translator } from '../../../src/core/i18n.js';
import { newId } from '../../../src/core/ids.js';
import { Notifier } from '../../../src/crm/notifications/notifier.js';
import { migrate, openStore, type Store } from '../../../src/storage/database.js';

const dir = mkdtempSync(join(tmpdir(), 'patron-notifier-'));
let store: Store;
let notifier: Notifier;
let wakes = 0;

beforeAll(async () => {
  store = await openStore({ dataDir: dir });
  await migrate(store.db);
  notifier = new Notifier(store.db, new OutboxRepository(store.db), Translator.fromConfig(CONFIG_DIR), () => void wakes++);
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function customerWithChat(locale: string): Promise<string> {
  const id = newId();
  await store.db.insertInto('customers').values({ id, name: 'Mei', locale }).execute();
  await store.db.insertInto('conversations').values({ id: newId(), customer_id: id, channel: 'telegram', external_id: `tg-${id.slice(0, 8)}`, locale, state: JSON.stringify({}), last_message_at: new Date() }).execute();
  return id;
}

const rows = (customerId: string) => store.db.selectFrom('outbox').select(['dedupe_key', 'kind', 'channel', 'message']).where('customer_id', '=', customerId).execute();
const notice = { key: 'loyalty.points_expired', vars: { points: 120 } };

describe('customer notices', () => {
  it('queues a notice in the customer’s language to the conversation they used last, once per dedupe key', async () => {
    const id = await customerWithChat('zh-CN');
    expect(await notifier.notify(id, { ...notice, dedupeKey: `k-${id}` })).toBe(true);
    expect(await notifier.notify(id, { ...notice, dedupeKey: `k-${id}` })).toBe(true);
    const queued = await rows(id);
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({ kind: 'system', channel: 'telegram' });
    expect((queued[0].message as { text: string }).text).toMatch(/120/);
    expect((queued[0].message as { text: string }).text).toMatch(/[\u4e00-\u9fff]/);
  });

  it('writes the notice in the caller’s transaction: gone if it rolls back, there once it commits', async () => {
    const id = await customerWithChat('en');
    await expect(store.db.transaction().execute(async (trx) => {
      await notifier.notify(id, notice, trx);
      throw new Error('the change it announces failed');
    })).rejects.toThrow(/announces failed/);
    expect(await rows(id)).toEqual([]);
    await store.db.transaction().execute((trx) => notifier.notify(id, notice, trx));
    expect(await rows(id)).toHaveLength(1);
  });

  it('reports a customer with no conversation to reach as not notified', async () => {
    const id = newId();
    await store.db.insertInto('customers').values({ id, name: 'Nobody', locale: 'en' }).execute();
    expect(await notifier.notify(id, notice)).toBe(false);
    expect(await rows(id)).toEqual([]);
  });
});
