import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OutboxRepository } from '../../../src/channels/delivery/outbox.repository.js';
import { ManualClock } from '../../../src/core/clock.js';
import { newId } from '../../../src/core/ids.js';
import { createLogger } from '../../../src/core/logger.js';
import { Metrics } from '../../../src/core/metrics.js';
import type { OrderEvent, OrderEventListener } from '../../../src/crm/orders/order-events.js';
import { buildCustomerModule, signShopBody, type CustomerModule, type ProductSink, type ShopProduct } from '../../../src/crm/shop/index.js';
import { createHttpApp } from '../../../src/http/app.js';
import { afterAll, beforeAll } from 'vitest';
import { migrate, type Store } from '../../../src/storage/database.js';

export const SECRET = 'test-shop-secret';

/** Records every order event it hears; can be told to fail. */
export class RecordingListener implements OrderEventListener {
  readonly name = 'recorder';
  readonly events: OrderEvent[] = [];
  failNext = 0;
  async onOrderEvent(event: OrderEvent): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('listener down');
    }
    this.events.push(event);
  }
  for(eventId: string): OrderEvent[] {
    return this.events.filter((e) => e.eventId === eventId);
  }
}

export class RecordingSink implements ProductSink {
  readonly rows: ShopProduct[] = [];
  async upsertProduct(row: ShopProduct): Promise<void> {
    this.rows.push(row);
  }
}

export interface Kit {
  module: CustomerModule;
  clock: ManualClock;
  listener: RecordingListener;
  sink: RecordingSink;
  outbox: OutboxRepository;
  url: string;
  close(): Promise<void>;
}

/** The customer module over `store`, served by the real express app on 127.0.0.1:0. */
export async function startKit(store: Store, opts: { unconfigured?: boolean } = {}): Promise<Kit> {
  const secret = opts.unconfigured ? undefined : SECRET;
  const clock = new ManualClock('2026-03-01T10:00:00Z');
  const listener = new RecordingListener();
  const sink = new RecordingSink();
  const outbox = new OutboxRepository(store.db);
  const module = buildCustomerModule({ db: store.db, clock, webhookSecret: secret, productSink: sink, orderListeners: [listener] });
  const app = createHttpApp({ log: createLogger({ level: 'silent' }), metrics: new Metrics(false), readiness: [], routers: module.routes });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    module, clock, listener, sink, outbox, url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** POSTs a body to /webhooks/shop, signed with `secret` unless a signature is given (null = none). */
export async function postEvent(kit: Kit, body: unknown, opts: { signature?: string | null; secret?: string; raw?: string } = {}) {
  const raw = opts.raw ?? JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const signature = opts.signature === undefined ? signShopBody(opts.secret ?? SECRET, raw) : opts.signature;
  if (signature !== null) headers['x-shop-signature'] = signature;
  const res = await fetch(`${kit.url}/webhooks/shop`, { method: 'POST', headers, body: raw });
  const json = (await res.json().catch(() => null)) as Record<string, any> | null;
  return { status: res.status, body: json };
}

export function orderEvent(status: string, order: Partial<Record<string, unknown>> & { id: string; customerId: string }, eventId = `evt-${newId()}`) {
  return {
    id: eventId,
    type: `order.${status}`,
    occurredAt: '2026-03-01T10:00:00Z',
    data: { status, total: 100, currency: 'EUR', items: [{ sku: 'SKU-1', quantity: 1, price: 100 }], createdAt: '2026-03-01T09:00:00Z', ...order },
  };
}

export function customerEvent(data: Record<string, unknown>, eventId = `evt-${newId()}`) {
  return { id: eventId, type: 'customer.upserted', occurredAt: '2026-03-01T10:00:00Z', data };
}

/** The store and shop kit one contract suite shares; filled by {@link useShopKit}'s beforeAll. */
export interface ShopKitEnv {
  store: Store | null;
  kit: Kit;
}

/**
 * Opens the store (null = skip, the reason already printed), migrates and starts the kit once per
 * describe block, and closes both afterwards.
 */
export function useShopKit(open: () => Promise<Store | null>): ShopKitEnv {
  const env = { store: null } as ShopKitEnv;
  beforeAll(async () => {
    env.store = await open();
    if (!env.store) return;
    await migrate(env.store.db);
    env.kit = await startKit(env.store);
  });
  afterAll(async () => {
    await env.kit?.close();
    await env.store?.close();
  });
  return env;
}
