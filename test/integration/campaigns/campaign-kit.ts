import { sql } from 'kysely';
import type { ChannelAdapter, SendResult } from '../../../src/channels/channel-adapter.js';
import { OutboxRepository } from '../../../src/channels/delivery/outbox.repository.js';
import { OutboxSender } from '../../../src/channels/delivery/outbox.sender.js';
import { ChannelRegistry } from '../../../src/channels/registry.js';
import { ManualClock } from '../../../src/core/clock.js';
import { CONFIG_DIR } from '../../../src/core/config.js';
import { Translator } from '../../../src/core/i18n.js';
import { newId } from '../../../src/core/ids.js';
import { silentLogger } from '../../../src/core/logger.js';
import type { OutboundMessage } from '../../../src/core/message.js';
import { Metrics } from '../../../src/core/metrics.js';
import { buildCampaignModule, type CampaignModule, type CampaignPolicy, type CreateCampaignInput } from '../../../src/crm/campaigns/index.js';
import { ConsentRepository } from '../../../src/crm/consent/consent.repository.js';
import { ConsentService } from '../../../src/crm/consent/consent.service.js';
import { buildSegmentModule } from '../../../src/crm/segments/index.js';
import type { SegmentService } from '../../../src/crm/segments/segment.service.js';
import type { StaffPrincipal } from '../../../src/crm/staff/staff.types.js';
import type { Coordination } from '../../../src/storage/coordination.js';
import { MemoryCoordination } from '../../../src/storage/coordination.memory.js';
import { migrate, type Db, type Store } from '../../../src/storage/database.js';

/** A push channel that records what it was asked to send, like a platform fake would. */
export class RecordingChannel implements ChannelAdapter {
  readonly inline = false;
  sent: Array<{ to: string; message: OutboundMessage; at: number }> = [];
  constructor(readonly id: string, readonly pacing?: ChannelAdapter['pacing']) {}
  async start() {}
  async stop() {}
  async send(to: string, message: OutboundMessage): Promise<SendResult> {
    this.sent.push({ to, message, at: Date.now() });
    return { platformMessageId: String(this.sent.length) };
  }
}

export interface Person {
  name?: string;
  locale?: string;
  timezone?: string;
  email?: string;
  identities?: string[];
  consent?: string[];
}

export interface Kit {
  store: Store;
  db: Db;
  clock: ManualClock;
  segments: SegmentService;
  consent: ConsentService;
  module: CampaignModule;
  outbox: OutboxRepository;
  sender: OutboxSender;
  channels: Record<string, RecordingChannel>;
  author: StaffPrincipal;
  approver: StaffPrincipal;
  addCustomer(p: Person): Promise<string>;
  /** Creates, approves and schedules a campaign over a segment of exactly `customerIds`. */
  launch(customerIds: string[], input?: Partial<CreateCampaignInput>): Promise<string>;
  close(): Promise<void>;
}

export const NOON_UTC = new Date('2026-03-02T12:00:00Z');

export async function openKit(store: Store, opts: { policy?: Partial<CampaignPolicy>; coordination?: Coordination; clock?: ManualClock } = {}): Promise<Kit> {
  await migrate(store.db);
  const db = store.db;
  const clock = opts.clock ?? new ManualClock(NOON_UTC);
  const { segments } = buildSegmentModule({ db, clock });
  const consent = new ConsentService(new ConsentRepository(db), clock);
  const outbox = new OutboxRepository(db);
  const channels = { telegram: new RecordingChannel('telegram'), email: new RecordingChannel('email') };
  const registry = new ChannelRegistry();
  Object.values(channels).forEach((c) => registry.add(c));
  const coordination = opts.coordination ?? new MemoryCoordination();
  const sender = new OutboxSender(outbox, registry, coordination, new Metrics(false), silentLogger, { pollMs: 50 });
  const translator = Translator.fromConfig(CONFIG_DIR);
  const module = await buildCampaignModule({
    db, clock, log: silentLogger, translator, segments, consent, outbox, wake: () => sender.wake(),
    policy: { defaultTimezone: 'UTC', publicUrl: 'http://shop.test', ...opts.policy }, env: {},
  });
  const author: StaffPrincipal = { id: newId(), name: 'Mia Marketer', role: 'marketer' };
  const approver: StaffPrincipal = { id: newId(), name: 'Ada Admin', role: 'admin' };
  let n = 0;
  const addCustomer = async (p: Person) => {
    const id = newId();
    n++;
    await db.insertInto('customers').values({ id, name: p.name ?? null, locale: p.locale ?? 'en', timezone: p.timezone ?? null, email: p.email ?? null } as never).execute();
    for (const ch of p.identities ?? []) {
      await db.insertInto('identities').values({ id: newId(), customer_id: id, channel: ch, external_id: `${ch}-${id.slice(0, 8)}-${n}`, display_name: null, unreachable_at: null, unreachable_reason: null }).execute();
    }
    for (const ch of p.consent ?? []) await consent.grant(id, ch, 'marketing', 'web_form');
    return id;
  };
  const launch = async (customerIds: string[], input: Partial<CreateCampaignInput> = {}) => {
    const tag = `t${newId().slice(0, 8)}`;
    if (customerIds.length) await sql`update customers set tags = array_append(tags, ${tag}) where id = any(${customerIds}::uuid[])`.execute(db);
    const segment = await segments.create({ name: `seg ${tag}`, filter: { tags: [tag] } });
    const c = await module.campaigns.create({
      name: `camp ${tag}`, segmentId: segment.id, channels: ['telegram', 'email'],
      messages: { en: { text: 'Hi {name}, {tier} perks: {points} points. See {product}!' }, 'zh-CN': { text: '{name}，您好！积分 {points}' } },
      schedule: { at: clock.now().toISOString() }, ...input,
    }, author);
    await module.campaigns.approve(c.id, approver);
    await module.campaigns.schedule(c.id);
    return c.id;
  };
  return {
    store, db, clock, segments, consent, module, outbox, sender, channels, author, approver, addCustomer, launch,
    close: async () => {
      await sender.stop().catch(() => {});
      if (!opts.coordination) await coordination.close();
      await store.close();
    },
  };
}

/** Fires due campaigns, hands everything due to the outbox, sends it and records outcomes. */
export async function runAll(kit: Kit): Promise<void> {
  await kit.module.trigger.tick();
  await kit.module.worker.drain(10_000);
  await kit.sender.drain(10_000);
  await kit.module.worker.settle();
}

export async function deliveries(db: Db, campaignId: string) {
  return db.selectFrom('campaign_deliveries').selectAll().where('campaign_id', '=', campaignId).orderBy('id').execute();
}
