import type { Router } from 'express';
import type { Clock } from '../../core/clock.js';
import type { Db } from '../../storage/database.js';
import { shopWebhookRoutes } from '../../http/routes/shop-webhook.routes.js';
import { CustomerService } from '../customers/customer.service.js';
import type { ListenerFailure } from '../orders/order-dispatch.js';
import type { OrderEventListener } from '../orders/order-events.js';
import { OrderService } from '../orders/order.service.js';
import { ShopWebhookService, type ProductSink } from './shop-webhook.service.js';

export type { ProductSink } from './shop-webhook.service.js';
export type { ShopEvent, ShopProduct } from './shop-webhook.schema.js';
export { signIdentityLink, signShopBody } from './shop-signature.js';

export interface CustomerModuleDeps {
  db: Db;
  clock: Clock;
  /** SHOP_WEBHOOK_SECRET; without it the webhook answers 503 and signed identity links are refused. */
  webhookSecret: string | undefined;
  /** Receives `product.upserted` rows (the catalog module); without it those events get 503. */
  productSink?: ProductSink;
  /** Told after a customer was erased. */
  onErased?: (customerId: string) => void;
  /** Told after a chat identity was linked to (moved to) another customer. */
  onLinked?: (identity: { channel: string; externalId: string }, outcome: { customerId: string; previousCustomerId?: string }) => void;
  /** Told about every order event that changed an order (loyalty, campaigns …). */
  orderListeners?: readonly OrderEventListener[];
  /** Reports a listener that threw (for logging); a redelivery or the dispatch sweeper retries the event. */
  onListenerFailure?: (failure: ListenerFailure) => void;
}

export interface CustomerModule {
  customers: CustomerService;
  orders: OrderService;
  shopWebhook: ShopWebhookService;
  /** `POST /webhooks/shop`. */
  routes: Router[];
}

/** Builds the CRM core (customers, orders, shop webhook) for src/main.ts to wire. */
export function buildCustomerModule(deps: CustomerModuleDeps): CustomerModule {
  const listeners = deps.orderListeners ?? [];
  const customers = new CustomerService({ db: deps.db, clock: deps.clock, shopSecret: deps.webhookSecret, onLinked: deps.onLinked, onErased: deps.onErased });
  const orders = new OrderService(deps.db, deps.clock, listeners, deps.onListenerFailure);
  const shopWebhook = new ShopWebhookService(deps.db, deps.clock, {
    productSink: deps.productSink, orderListeners: listeners, onListenerFailure: deps.onListenerFailure,
  });
  return { customers, orders, shopWebhook, routes: [shopWebhookRoutes(shopWebhook, deps.webhookSecret)] };
}
