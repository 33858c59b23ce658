import type { Router } from 'express';
import type { OutboxRepository } from '../channels/delivery/outbox.repository.js';
import type { AppConfig } from '../core/config.js';
import { systemClock, type Clock } from '../core/clock.js';
import type { Translator } from '../core/i18n.js';
import type { Logger } from '../core/logger.js';
import { ConsentRepository } from '../crm/consent/consent.repository.js';
import { ConsentService } from '../crm/consent/consent.service.js';
import { HandoffService } from '../crm/handoff/handoff.service.js';
import { buildLoyaltyModule, type LoyaltyService } from '../crm/loyalty/index.js';
import { Notifier } from '../crm/notifications/notifier.js';
import type { OrderService } from '../crm/orders/order.service.js';
import type { CustomerService } from '../crm/customers/customer.service.js';
import { buildSegmentModule, type SegmentService } from '../crm/segments/index.js';
import { buildCampaignModule, type CampaignModule } from '../crm/campaigns/index.js';
import type { CampaignPolicy } from '../crm/campaigns/campaign.types.js';
import { buildCustomerModule } from '../crm/shop/index.js';
import { CatalogService } from '../crm/catalog/catalog.service.js';
import type { ShopWebhookService } from '../crm/shop/shop-webhook.service.js';
import { buildTicketModule, type TicketService } from '../crm/tickets/index.js';
import type { Job } from '../scheduler/scheduler.js';
import type { Db } from '../storage/database.js';

/** The business core, built once per instance (part of the composition root with src/main.ts). */
export interface Crm {
  clock: Clock;
  consent: ConsentService;
  customers: CustomerService;
  orders: OrderService;
  shopWebhook: ShopWebhookService;
  loyalty: LoyaltyService;
  tickets: TicketService;
  segments: SegmentService;
  campaigns: CampaignModule;
  catalog: CatalogService;
  handoff: HandoffService;
  notifier: Notifier;
  routes: Router[];
  jobs: Job[];
}

export interface CrmDeps {
  db: Db;
  config: AppConfig;
  log: Logger;
  translator: Translator;
  outbox: OutboxRepository;
  /** Told when a conversation enters the agent queue (live agent consoles). */
  onHandoffRequested?: (r: { requestId: string; conversationId: string; reason: string }) => void;
  /** Told after a chat identity moved to another customer (identity caches must forget it). */
  onIdentityLinked?: (identity: { channel: string; externalId: string }, previousCustomerId?: string) => void;
  /** Campaign tuning (tests, benchmarks): policy overrides, job schedules, or no jobs at all. */
  campaignOptions?: { policy?: Partial<CampaignPolicy>; triggerCron?: string; deliverCron?: string; jobs?: boolean };
  /** Told after a customer was erased (caches must forget them). */
  onCustomerErased?: (customerId: string) => void;
  /** Wakes the outbox sender after a notice is queued. */
  wake: () => void;
  clock?: Clock;
}

/** Builds customers + shop integration, loyalty, tickets, segments, consent, hand-off and notices. */
export async function buildCrm(deps: CrmDeps): Promise<Crm> {
  const { db, config, log } = deps;
  const clock = deps.clock ?? systemClock;
  const consent = new ConsentService(new ConsentRepository(db), clock);
  const notifier = new Notifier(db, deps.outbox, deps.translator, deps.wake);
  const notify = async (customerId: string, n: { key: string; vars?: Record<string, unknown>; dedupeKey?: string; ticketNumber?: string }, trx?: Db) => {
    await notifier.notify(customerId, { key: n.key, vars: n.vars, dedupeKey: n.dedupeKey ?? (n.ticketNumber ? `notice:${n.key}:${n.ticketNumber}` : undefined) }, trx);
  };
  const loyaltyModule = await buildLoyaltyModule({ db, clock, configDir: config.configDir, consent, notify });
  const ticketModule = buildTicketModule({ db, clock, configDir: config.configDir, notify });
  const { segments } = buildSegmentModule({ db, clock });
  // Built before the sender starts: it closes sends a crashed instance left half-done.
  const campaigns = await buildCampaignModule({
    db, clock, log: log.child({ part: 'campaigns' }), translator: deps.translator, segments, consent,
    outbox: deps.outbox, wake: deps.wake, env: config.env as unknown as NodeJS.ProcessEnv,
    policy: deps.campaignOptions?.policy, triggerCron: deps.campaignOptions?.triggerCron, deliverCron: deps.campaignOptions?.deliverCron,
  });
  const catalog = CatalogService.forDb(db);
  const shop = buildCustomerModule({
    db, clock, webhookSecret: config.env.SHOP_WEBHOOK_SECRET, productSink: catalog,
    orderListeners: [loyaltyModule.listener],
    onLinked: (identity, outcome) => deps.onIdentityLinked?.(identity, outcome.previousCustomerId),
    onErased: (customerId) => deps.onCustomerErased?.(customerId),
    onListenerFailure: (f) => log.error({ err: f.error, eventId: f.eventId, listener: f.listener }, 'order listener failed; a redelivery or the dispatch sweeper will retry it'),
  });
  const handoff = new HandoffService(db, (r) => deps.onHandoffRequested?.(r));
  const daily = (name: string, hour: number, run: (now: Date) => Promise<unknown>): Job => ({ name, cron: `0 ${hour} * * *`, timezone: config.env.TZ, run });
  const jobs: Job[] = [
    daily('loyalty.review-tiers', 2, (now) => loyaltyModule.jobs.reviewTiers(now)),
    daily('loyalty.expire-points', 3, (now) => loyaltyModule.jobs.expirePoints(now)),
    daily('loyalty.birthday-bonus', 9, (now) => loyaltyModule.jobs.awardBirthdayBonuses(now)),
    { name: 'tickets.sla-breaches', cron: '*/1 * * * *', run: (now) => ticketModule.jobs.detectBreaches(now) },
    ...(deps.campaignOptions?.jobs === false ? [] : campaigns.jobs),
    // Picks up catalog rows written by other instances or a CLI import.
    { name: 'catalog.sync', cron: '*/30 * * * * *', run: () => catalog.syncChanges() },
    // Order events whose listeners failed or whose process died before they ran.
    { name: 'orders.dispatch-sweep', cron: '23 * * * * *', run: () => shop.shopWebhook.resumePending() },
  ];
  return {
    clock, consent, customers: shop.customers, orders: shop.orders, shopWebhook: shop.shopWebhook, loyalty: loyaltyModule.loyalty,
    tickets: ticketModule.tickets, segments, campaigns, catalog, handoff, notifier, routes: shop.routes, jobs,
  };
}
