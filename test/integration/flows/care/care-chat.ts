import type { App } from '../../../../src/main.js';
import { shopEventSchema } from '../../../../src/crm/shop/shop-webhook.schema.js';
import { postJson } from '../../../helpers/app.js';

export interface Reply {
  text: string;
  quickReplies?: Array<{ label: string; payload?: string }>;
}

/** One web-chat customer talking to the real app over HTTP. */
export class Chat {
  sessionId?: string;
  constructor(private readonly app: App) {}

  private async send(body: Record<string, unknown>): Promise<Reply[]> {
    const res = await postJson(`${this.app.url}/chat/messages`, { ...(this.sessionId ? { sessionId: this.sessionId } : {}), ...body });
    if (res.status !== 200) throw new Error(`chat answered ${res.status}: ${JSON.stringify(res.body)}`);
    this.sessionId = res.body.sessionId;
    return res.body.replies;
  }

  /** Sends text; returns all reply texts joined (and the replies). */
  async say(text: string, extra: Record<string, unknown> = {}): Promise<{ text: string; replies: Reply[] }> {
    const replies = await this.send({ text, ...extra });
    return { text: replies.map((r) => r.text).join('\n'), replies };
  }

  /** Taps a button. */
  async press(payload: string, extra: Record<string, unknown> = {}): Promise<{ text: string; replies: Reply[] }> {
    const replies = await this.send({ payload, ...extra });
    return { text: replies.map((r) => r.text).join('\n'), replies };
  }

  async conversation() {
    return (await this.app.repos.conversations.findByExternal('webchat', this.sessionId!.split('.')[0]))!;
  }

  async customerId(): Promise<string> {
    return (await this.conversation()).customer_id;
  }
}

/** Every payload offered in a turn's replies. */
export const payloads = (replies: Reply[]) => replies.flatMap((r) => (r.quickReplies ?? []).map((q) => q.payload));

let seq = 0;

/**
 * Gives the chat's customer a shop order through the real shop-event path (which also credits
 * loyalty points to members): links a shop customer id, then applies `order.<status>`.
 */
export async function giveOrder(app: App, customerId: string, order: { id: string; total: number; status?: 'delivered' | 'paid'; daysAgo?: number }) {
  const shopId = `care-shop-${customerId.slice(0, 8)}`;
  await app.store.db.updateTable('customers').set({ shop_customer_id: shopId }).where('id', '=', customerId).execute();
  const at = new Date(Date.now() - (order.daysAgo ?? 40) * 86_400_000).toISOString();
  const status = order.status ?? 'delivered';
  const event = shopEventSchema.parse({
    id: `care-evt-${++seq}-${order.id}`,
    type: `order.${status}`,
    occurredAt: at,
    data: { id: order.id, customerId: shopId, status, total: order.total, currency: 'USD', items: [{ sku: 'CARE-1', quantity: 1, price: order.total }], createdAt: at },
  });
  await app.crm.shopWebhook.handle(event);
}
