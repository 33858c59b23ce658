import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryError, type ChannelAdapter, type SendResult } from '../../../src/channels/channel-adapter.js';
import { OutboxRepository } from '../../../src/channels/delivery/outbox.repository.js';
import { OutboxSender } from '../../../src/channels/delivery/outbox.sender.js';
import { ChannelRegistry } from '../../../src/channels/registry.js';
import { newId } from '../../../src/core/ids.js';
import { silentLogger } from '../../../src/core/logger.js';
import type { OutboundMessage } from '../../../src/core/message.js';
import { Metrics } from '../../../src/core/metrics.js';
import { ConversationRepository } from '../../../src/crm/conversations/conversation.repository.js';
import { CustomerRepository } from '../../../src/crm/customers/customer.repository.js';
import { MemoryCoordination } from '../../../src/storage/coordination.memory.js';
import { migrate, openStore, type Store } from '../../../src/storage/database.js';
import { tempDataDir } from '../../helpers/app.js';

/** A test channel that records sends and fails on command, like a platform would. */
class ScriptedChannel implements ChannelAdapter {
  readonly inline = false;
  sent: Array<{ to: string; text: string; at: number }> = [];
  failures: Array<DeliveryError | Error> = [];
  constructor(readonly id: string, readonly pacing?: ChannelAdapter['pacing']) {}
  async start() {}
  async stop() {}
  async send(to: string, message: OutboundMessage): Promise<SendResult> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.sent.push({ to, text: message.text, at: Date.now() });
    return { platformMessageId: String(this.sent.length) };
  }
}

const data = tempDataDir();
let store: Store;
let repo: OutboxRepository;
let channel: ScriptedChannel;
let sender: OutboxSender;
let coordination: MemoryCoordination;

beforeAll(async () => {
  store = await openStore({ dataDir: data.dir });
  await migrate(store.db);
  repo = new OutboxRepository(store.db);
});
afterAll(async () => {
  await store.close();
  data.cleanup();
});
beforeEach(() => {
  coordination?.close();
  coordination = new MemoryCoordination();
});

function makeSender(ch: ScriptedChannel) {
  channel = ch;
  const registry = new ChannelRegistry();
  registry.add(ch);
  sender = new OutboxSender(repo, registry, coordination, new Metrics(false), silentLogger, { pollMs: 50 });
  return sender;
}

const status = async (key: string) => store.db.selectFrom('outbox').select(['status', 'attempts', 'last_error', 'next_attempt_at']).where('dedupe_key', '=', key).executeTakeFirstOrThrow();

describe('the outbox sender', () => {
  it('sends queued messages in order and marks them sent', async () => {
    makeSender(new ScriptedChannel('ch-order'));
    for (let i = 0; i < 5; i++) await repo.enqueue({ dedupeKey: `order-${i}`, channel: 'ch-order', recipient: 'r1', kind: 'system', message: { text: `m${i}` } });
    await sender.drain(5000);
    expect(channel.sent.map((s) => s.text)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    expect((await status('order-4')).status).toBe('sent');
  });

  it('retries a temporary failure with the platform retry-after, then sends once', async () => {
    makeSender(new ScriptedChannel('ch-retry'));
    channel.failures.push(new DeliveryError('retry', 'HTTP 429', 300), new Error('ECONNRESET'));
    await repo.enqueue({ dedupeKey: 'retry-1', channel: 'ch-retry', recipient: 'r', kind: 'system', message: { text: 'hello' } });
    await sender.round();
    const after429 = await status('retry-1');
    expect(after429).toMatchObject({ status: 'pending', last_error: 'HTTP 429' });
    expect(new Date(after429.next_attempt_at).getTime()).toBeGreaterThan(Date.now() + 100);
    await new Promise((r) => setTimeout(r, 350));
    await sender.round();
    expect((await status('retry-1')).last_error).toBe('ECONNRESET');
    await store.db.updateTable('outbox').set({ next_attempt_at: new Date() }).where('dedupe_key', '=', 'retry-1').execute();
    await sender.round();
    expect(channel.sent.map((s) => s.text)).toEqual(['hello']);
    expect(await status('retry-1')).toMatchObject({ status: 'sent', attempts: 3 });
  });

  it('marks the identity unreachable when the customer blocked the bot', async () => {
    makeSender(new ScriptedChannel('ch-block'));
    const customerId = await new CustomerRepository(store.db).createWithIdentity({ channel: 'ch-block', externalId: 'u-blocked', at: new Date() });
    channel.failures.push(new DeliveryError('unreachable', 'Forbidden: bot was blocked by the user'));
    await repo.enqueue({ dedupeKey: 'block-1', channel: 'ch-block', recipient: 'u-blocked', kind: 'system', message: { text: 'x' } });
    await sender.round();
    expect((await status('block-1')).status).toBe('failed');
    const identity = await store.db.selectFrom('identities').selectAll().where('customer_id', '=', customerId).executeTakeFirstOrThrow();
    expect(identity.unreachable_reason).toMatch(/blocked/);
    expect(identity.unreachable_at).not.toBeNull();
  });

  it('gives up after the last attempt and records why', async () => {
    makeSender(new ScriptedChannel('ch-give-up'));
    channel.failures.push(new DeliveryError('permanent', 'message is too long'));
    await repo.enqueue({ dedupeKey: 'perm-1', channel: 'ch-give-up', recipient: 'r', kind: 'system', message: { text: 'x' } });
    await sender.round();
    expect(await status('perm-1')).toMatchObject({ status: 'failed', last_error: 'message is too long' });
    expect(channel.sent).toEqual([]);
  });

  it('suppresses a bot reply queued before an agent took the thread over', async () => {
    makeSender(new ScriptedChannel('ch-own'));
    const customerId = await new CustomerRepository(store.db).createWithIdentity({ channel: 'ch-own', externalId: newId(), at: new Date() });
    const conversations = new ConversationRepository(store.db);
    const conversation = await conversations.ensure('ch-own', 'chat-1', customerId);
    await repo.enqueue({ dedupeKey: 'own-reply', channel: 'ch-own', recipient: 'chat-1', kind: 'reply', message: { text: 'bot says' }, conversationId: conversation.id });
    await repo.enqueue({ dedupeKey: 'own-agent', channel: 'ch-own', recipient: 'chat-1', kind: 'agent', message: { text: 'agent says' }, conversationId: conversation.id });
    await conversations.transferOwner(conversation.id, ['bot'], 'agent', 'agent-1');
    await sender.drain(3000);
    expect(channel.sent.map((s) => s.text)).toEqual(['agent says']);
    expect((await status('own-reply')).status).toBe('suppressed');
  });

  it('checks each reply\'s thread again right before sending, among many sent at once, and records each row\'s own platform id', async () => {
    const conversations = new ConversationRepository(store.db);
    const customers = new CustomerRepository(store.db);
    const threads = await Promise.all(['a', 'b', 'c', 'd'].map(async (chat) => {
      const customerId = await customers.createWithIdentity({ channel: 'ch-many', externalId: newId(), at: new Date() });
      return { chat, conversation: await conversations.ensure('ch-many', `chat-${chat}`, customerId) };
    }));
    for (const { chat, conversation } of threads) {
      await repo.enqueue({ dedupeKey: `many-${chat}`, channel: 'ch-many', recipient: `chat-${chat}`, kind: 'reply', message: { text: `to ${chat}` }, conversationId: conversation.id });
    }
    // An agent takes thread b over after the rows were leased (owner "bot" at claim time), before the sends.
    const claiming = new (class extends OutboxRepository {
      override async claim(channels: string[], limit: number) {
        const rows = await super.claim(channels, limit);
        if (rows.some((r) => r.recipient === 'chat-b')) await conversations.transferOwner(threads[1].conversation.id, ['bot'], 'agent', 'agent-b');
        return rows;
      }
    })(store.db);
    const registry = new ChannelRegistry();
    const ch = new ScriptedChannel('ch-many');
    registry.add(ch);
    await new OutboxSender(claiming, registry, coordination, new Metrics(false), silentLogger).drain(3000);
    expect(ch.sent.map((s) => s.text).sort()).toEqual(['to a', 'to c', 'to d']);
    expect((await status('many-b')).status).toBe('suppressed');
    const rows = await store.db.selectFrom('outbox').select(['recipient', 'status', 'platform_message_id', 'sent_at']).where('channel', '=', 'ch-many').execute();
    for (const row of rows.filter((r) => r.recipient !== 'chat-b')) {
      expect(row.status).toBe('sent');
      expect(row.sent_at).not.toBeNull();
      // ScriptedChannel numbers its sends: each row holds the number of its own send.
      expect(ch.sent[Number(row.platform_message_id) - 1].to).toBe(row.recipient);
    }
  });

  it('keeps to one message per second per chat', async () => {
    makeSender(new ScriptedChannel('ch-pace', { perChat: { points: 1, durationMs: 1000 } }));
    await sender.start();
    for (let i = 0; i < 3; i++) await repo.enqueue({ dedupeKey: `pace-${i}`, channel: 'ch-pace', recipient: 'chat', kind: 'system', message: { text: `p${i}` } });
    await repo.enqueue({ dedupeKey: 'pace-other', channel: 'ch-pace', recipient: 'other-chat', kind: 'system', message: { text: 'other' } });
    sender.wake();
    const deadline = Date.now() + 6000;
    while (channel.sent.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await sender.stop();
    const toChat = channel.sent.filter((s) => s.to === 'chat');
    expect(toChat.map((s) => s.text)).toEqual(['p0', 'p1', 'p2']);
    for (let i = 1; i < toChat.length; i++) expect(toChat[i].at - toChat[i - 1].at).toBeGreaterThanOrEqual(900);
    expect(channel.sent.find((s) => s.to === 'other-chat')!.at - toChat[0].at).toBeLessThan(900);
  }, 15_000);

  it('keeps a chat to one message per second when its send waited for a global slot', async () => {
    // Four global slots a second: the chat queued behind five others waits ~1.25 s for its first
    // slot. Its second message must still come a second after the first was sent, not after the
    // first took its per-chat slot.
    makeSender(new ScriptedChannel('ch-both', { perChat: { points: 1, durationMs: 1000 }, global: { points: 4, durationMs: 1000 } }));
    for (let i = 0; i < 5; i++) await repo.enqueue({ dedupeKey: `both-other-${i}`, channel: 'ch-both', recipient: `other-${i}`, kind: 'system', message: { text: `o${i}` } });
    for (let i = 0; i < 2; i++) await repo.enqueue({ dedupeKey: `both-${i}`, channel: 'ch-both', recipient: 'chat', kind: 'system', message: { text: `c${i}` } });
    await sender.start();
    const deadline = Date.now() + 8000;
    while (channel.sent.length < 7 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await sender.stop();
    expect(channel.sent).toHaveLength(7);
    const toChat = channel.sent.filter((s) => s.to === 'chat');
    expect(toChat.map((s) => s.text)).toEqual(['c0', 'c1']);
    expect(toChat[1].at - toChat[0].at).toBeGreaterThanOrEqual(950);
    const at = channel.sent.map((s) => s.at);
    for (let i = 4; i < at.length; i++) expect(at[i] - at[i - 4]).toBeGreaterThanOrEqual(950);
  }, 15_000);

  it('keeps to a global 30 per second without falling behind it: never more than 30 in any second, close to 30 on average', async () => {
    makeSender(new ScriptedChannel('ch-global', { global: { points: 30, durationMs: 1000 } }));
    for (let i = 0; i < 75; i++) await repo.enqueue({ dedupeKey: `global-${i}`, channel: 'ch-global', recipient: `chat-${i}`, kind: 'system', message: { text: `g${i}` } });
    // The event loop is busy 6 ms in every 20 (as with the embedded database on the same thread),
    // so slot timers fire late.
    const busy = setInterval(() => {
      const until = Date.now() + 6;
      while (Date.now() < until);
    }, 20);
    await sender.start();
    const deadline = Date.now() + 8000;
    while (channel.sent.length < 75 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    clearInterval(busy);
    await sender.stop();
    const at = channel.sent.map((s) => s.at).sort((x, y) => x - y);
    expect(at).toHaveLength(75);
    let most = 0;
    for (let i = 0, j = 0; i < at.length; i++) {
      while (at[i] - at[j] >= 1000) j++;
      most = Math.max(most, i - j + 1);
    }
    expect(most).toBeLessThanOrEqual(30);
    // Slots are 34 ms apart at best (29.4/s); a slot taken late no longer pushes every later one back
    // (29.5/s here; 28.0–28.2 before, when each late timer delayed all the rest).
    expect((at.length - 1) / ((at[at.length - 1] - at[0]) / 1000)).toBeGreaterThan(28.5);
  }, 15_000);
});
