import { newId } from '../../core/ids.js';
import type { Db } from '../../storage/database.js';
import type { Customer } from '../../storage/schema.js';

export interface NewParticipant {
  channel: string;
  externalId: string;
  displayName?: string;
  locale?: string;
  at: Date;
}

/** Customers and their per-channel identities. */
export class CustomerRepository {
  constructor(private readonly db: Db) {}

  findById(id: string): Promise<Customer | undefined> {
    return this.db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The customer id behind a channel identity, if known. */
  async findIdByIdentity(channel: string, externalId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('identities')
      .select('customer_id')
      .where('channel', '=', channel)
      .where('external_id', '=', externalId)
      .executeTakeFirst();
    return row?.customer_id;
  }

  /**
   * Creates a customer with one identity. When another instance created the same identity first,
   * its customer id is returned instead, so a race never makes two customers for one identity.
   */
  async createWithIdentity(p: NewParticipant): Promise<string> {
    return this.db.transaction().execute(async (trx) => {
      const customerId = newId();
      await trx
        .insertInto('customers')
        .values({ id: customerId, name: p.displayName ?? null, locale: p.locale ?? null, timezone: null, first_seen_at: p.at, last_seen_at: p.at })
        .execute();
      const inserted = await trx
        .insertInto('identities')
        .values({ id: newId(), customer_id: customerId, channel: p.channel, external_id: p.externalId, display_name: p.displayName ?? null, unreachable_at: null, unreachable_reason: null })
        .onConflict((oc) => oc.columns(['channel', 'external_id']).doNothing())
        .returning('customer_id')
        .executeTakeFirst();
      if (inserted) return customerId;
      await trx.deleteFrom('customers').where('id', '=', customerId).execute();
      const existing = await trx
        .selectFrom('identities')
        .select('customer_id')
        .where('channel', '=', p.channel)
        .where('external_id', '=', p.externalId)
        .executeTakeFirstOrThrow();
      return existing.customer_id;
    });
  }

  async setLocale(customerId: string, locale: string): Promise<void> {
    await this.db.updateTable('customers').set({ locale }).where('id', '=', customerId).execute();
  }
}
