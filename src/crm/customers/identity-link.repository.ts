import { sql } from 'kysely';
import { newId } from '../../core/ids.js';
import type { Db } from '../../storage/database.js';
import type { IdentityLinkCode } from './customer.types.js';
import './customer.types.js';

/** Tables whose `customer_id` rows die with the customer, so they never keep a placeholder alive. */
const CASCADING = ['identities', 'identity_link_codes'];

export interface MoveResult {
  /** The customer the identity belonged to before, when it was another one. */
  fromCustomerId?: string;
  /** True when that customer was left empty and deleted. */
  deletedPlaceholder: boolean;
}

/** One-time link codes, and moving an identity (with its conversations) between customers. */
export class IdentityLinkRepository {
  constructor(private readonly db: Db) {}

  async insertCode(c: { customerId: string; channel: string; externalId: string; codeHash: (id: string) => string; expiresAt: Date; at: Date }): Promise<string> {
    const id = newId();
    await this.db
      .insertInto('identity_link_codes')
      .values({ id, customer_id: c.customerId, channel: c.channel, external_id: c.externalId, code_hash: c.codeHash(id), expires_at: c.expiresAt, used_at: null, created_at: c.at })
      .execute();
    return id;
  }

  /** How many codes were asked for this identity since `since` (throttling). */
  async countSince(channel: string, externalId: string, since: Date): Promise<number> {
    const r = await this.db
      .selectFrom('identity_link_codes')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('channel', '=', channel)
      .where('external_id', '=', externalId)
      .where('created_at', '>=', since)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Retires every unused code of the identity, so only the newest one can be confirmed. */
  async retireCodes(channel: string, externalId: string, at: Date): Promise<void> {
    await this.db
      .updateTable('identity_link_codes')
      .set({ used_at: at })
      .where('channel', '=', channel)
      .where('external_id', '=', externalId)
      .where('used_at', 'is', null)
      .execute();
  }

  latestUnused(channel: string, externalId: string): Promise<IdentityLinkCode | undefined> {
    return this.db
      .selectFrom('identity_link_codes')
      .selectAll()
      .where('channel', '=', channel)
      .where('external_id', '=', externalId)
      .where('used_at', 'is', null)
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  /** Counts one attempt unless the limit is reached; returns the new count, or undefined when refused. */
  async countAttempt(id: string, max: number): Promise<number | undefined> {
    const r = await this.db
      .updateTable('identity_link_codes')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('id', '=', id)
      .where('attempts', '<', max)
      .where('used_at', 'is', null)
      .returning('attempts')
      .executeTakeFirst();
    return r?.attempts;
  }

  /** Marks the code used; false when another request used it first. */
  async markUsed(id: string, at: Date): Promise<boolean> {
    const r = await this.db.updateTable('identity_link_codes').set({ used_at: at }).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows ?? 0) === 1;
  }

  /** A verified identity on `channel` with this external id, with its customer. */
  findVerified(channel: string, externalId: string) {
    return this.db
      .selectFrom('identities')
      .innerJoin('customers', 'customers.id', 'identities.customer_id')
      .select(['identities.customer_id', 'customers.locale'])
      .where('identities.channel', '=', channel)
      .where('identities.external_id', '=', externalId)
      .where('identities.verified', '=', true)
      .where('customers.erased_at', 'is', null)
      .executeTakeFirst();
  }

  /**
   * Puts the identity (created when new) on `toCustomerId`, verified, and moves its channel's
   * conversations, messages, outbox rows and consents along. The previous customer is deleted when
   * nothing refers to it any more. Call inside a transaction.
   */
  async moveIdentity(channel: string, externalId: string, toCustomerId: string): Promise<MoveResult> {
    const identity = await this.db
      .selectFrom('identities').select(['id', 'customer_id'])
      .where('channel', '=', channel).where('external_id', '=', externalId)
      .forUpdate().executeTakeFirst();
    if (!identity) {
      await this.db
        .insertInto('identities')
        .values({ id: newId(), customer_id: toCustomerId, channel, external_id: externalId, display_name: null, verified: true, unreachable_at: null, unreachable_reason: null })
        .execute();
      return { deletedPlaceholder: false };
    }
    await this.db.updateTable('identities').set({ customer_id: toCustomerId, verified: true }).where('id', '=', identity.id).execute();
    const from = identity.customer_id;
    if (from === toCustomerId) return { deletedPlaceholder: false };
    const conversations = this.db.selectFrom('conversations').select('id').where('customer_id', '=', from).where('channel', '=', channel);
    await this.db.updateTable('inbound_messages').set({ customer_id: toCustomerId }).where('conversation_id', 'in', conversations).execute();
    await this.db.updateTable('outbox').set({ customer_id: toCustomerId }).where('conversation_id', 'in', conversations).execute();
    await this.db.updateTable('conversations').set({ customer_id: toCustomerId }).where('customer_id', '=', from).where('channel', '=', channel).execute();
    await this.db.updateTable('consents').set({ customer_id: toCustomerId }).where('customer_id', '=', from).where('channel', '=', channel).execute();
    return { fromCustomerId: from, deletedPlaceholder: await this.deleteIfUnreferenced(from) };
  }

  /** Deletes a customer with no shop id and no rows in any table with a `customer_id` column. */
  private async deleteIfUnreferenced(customerId: string): Promise<boolean> {
    const owner = await this.db.selectFrom('customers').select('shop_customer_id').where('id', '=', customerId).executeTakeFirst();
    if (!owner || owner.shop_customer_id !== null) return false;
    for (const table of await customerTables(this.db)) {
      if (CASCADING.includes(table)) continue;
      const hit = await sql<{ one: number }>`select 1 as one from ${sql.table(table)} where customer_id = ${customerId} limit 1`.execute(this.db);
      if (hit.rows.length > 0) return false;
    }
    await this.db.deleteFrom('customers').where('id', '=', customerId).execute();
    return true;
  }
}

/** Names of the tables (other than `customers`) that have a `customer_id` column. */
export async function customerTables(db: Db): Promise<string[]> {
  const r = await sql<{ table_name: string }>`
    select c.table_name from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
    where c.table_schema = current_schema() and c.column_name = 'customer_id' and t.table_type = 'BASE TABLE'
    order by c.table_name`.execute(db);
  return r.rows.map((row) => row.table_name);
}
