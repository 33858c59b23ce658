import { createHash } from 'node:crypto';
import type { Translator, Vars } from '../../core/i18n.js';
import { toLocale, type Locale } from '../../core/message.js';
import { OutboxRepository } from '../../channels/delivery/outbox.repository.js';
import type { Db } from '../../storage/database.js';

export interface Notification {
  /** Reply key in config/replies (e.g. loyalty.tier_upgraded). */
  key: string;
  vars?: Record<string, unknown>;
  /** Same key → sent once (a job that runs twice does not notify twice). */
  dedupeKey?: string;
}

/**
 * Service notices to a customer (welcome bonus, tier change, expiring points, ticket survey):
 * rendered in the customer's language and queued through the one outbox to the conversation they
 * used last, so consent, ownership and pacing are enforced by the sender like for any message.
 */
export class Notifier {
  constructor(
    private readonly db: Db,
    private readonly outbox: Pick<OutboxRepository, 'enqueue'>,
    private readonly translator: Translator,
    private readonly wake: () => void,
  ) {}

  /**
   * Queues the notice; returns false when the customer has no conversation to reach them in. Given
   * `trx`, the notice is written in that transaction, so it commits (or not) with the change it
   * announces — a crash between the two can then neither lose it nor send it for nothing.
   */
  async notify(customerId: string, notification: Notification, trx?: Db): Promise<boolean> {
    const db = trx ?? this.db;
    const target = await db
      .selectFrom('conversations as c')
      .innerJoin('customers as cu', 'cu.id', 'c.customer_id')
      .select(['c.id', 'c.channel', 'c.external_id', 'c.locale', 'cu.locale as customer_locale'])
      .where('c.customer_id', '=', customerId)
      .orderBy('c.last_message_at', (ob) => ob.desc().nullsLast())
      .limit(1)
      .executeTakeFirst();
    if (!target) return false;
    const locale: Locale = toLocale(target.locale) ?? toLocale(target.customer_locale) ?? this.translator.defaultLocale;
    const text = this.translator.t(locale, notification.key, localiseVars(notification.vars ?? {}, locale));
    const dedupeKey = notification.dedupeKey ?? `notify:${notification.key}:${customerId}:${hashVars(notification.vars)}`;
    const queued = await (trx ? new OutboxRepository(trx) : this.outbox).enqueue({
      dedupeKey, channel: target.channel, recipient: target.external_id, kind: 'system', message: { text },
      conversationId: target.id, customerId,
    });
    // Inside a transaction the row is not visible yet; the sender's next poll (≤ 1 s) finds it if this wake is early.
    if (queued) this.wake();
    return true;
  }
}

// Vars may carry a Chinese variant as `<name>Zh` (tierNameZh): use it for zh-CN.
function localiseVars(vars: Record<string, unknown>, locale: Locale): Vars {
  const out: Vars = {};
  for (const [k, v] of Object.entries(vars)) if (typeof v === 'string' || typeof v === 'number') out[k] = v;
  if (locale === 'zh-CN') for (const k of Object.keys(out)) if (out[`${k}Zh`] !== undefined) out[k] = out[`${k}Zh`];
  return out;
}

function hashVars(vars: unknown): string {
  return createHash('sha256').update(JSON.stringify(vars ?? {})).digest('hex').slice(0, 16);
}
