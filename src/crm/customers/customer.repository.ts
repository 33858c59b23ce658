import { sql, type ExpressionBuilder } from 'kysely';
import { newId } from '../../core/ids.js';
import type { Db } from '../../storage/database.js';
import type { Customer, Database } from '../../storage/schema.js';
import type { CustomerIdentity, CustomerProfile, CustomerSearch, Page, ProfileUpdate } from './customer.types.js';
import './customer.types.js';

export interface NewParticipant {
  channel: string;
  externalId: string;
  displayName?: string;
  locale?: string;
  at: Date;
}

/** What a turn needs of its customer. */
export interface ParticipantCustomer {
  id: string;
  name: string | null;
  locale: string | null;
}

/** Customer fields the shop sends (`customer.upserted`); absent keys are left as they are. */
export interface ShopCustomerData {
  id: string;
  email?: string;
  phone?: string;
  name?: string;
  locale?: string;
  timezone?: string;
  birthday?: string;
  tags?: string[];
}

const MAX_PAGE = 200;

/** Customers and their per-channel identities. Pass a transaction as `db` to compose. */
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

  /** The customer behind a channel identity with what a turn needs of it (one read), if known. */
  findByIdentity(channel: string, externalId: string): Promise<ParticipantCustomer | undefined> {
    return this.db
      .selectFrom('identities as i')
      .innerJoin('customers as c', 'c.id', 'i.customer_id')
      .select(['c.id', 'c.name', 'c.locale'])
      .where('i.channel', '=', channel)
      .where('i.external_id', '=', externalId)
      .executeTakeFirst();
  }

  /**
   * Creates a customer with one identity. When another caller (or instance) created the same identity
   * first, its customer id is returned instead, so a race never makes two customers for one identity.
   */
  async createWithIdentity(p: NewParticipant): Promise<string> {
    return (await this.createForIdentity(p)).customer.id;
  }

  /**
   * Creates the customer of a new channel identity in one statement: the identity goes in first and
   * its unique key decides, and the customer row only when it did (the identity's foreign key is
   * checked at the end of the statement, when both rows exist). When another caller's identity won,
   * that customer is returned with `created: false`.
   */
  async createForIdentity(p: NewParticipant): Promise<{ customer: ParticipantCustomer; created: boolean }> {
    const customer = { id: newId(), name: p.displayName ?? null, locale: p.locale ?? null };
    const { rows } = await sql<{ id: string }>`
      with identity as (
        insert into identities (id, customer_id, channel, external_id, display_name)
        values (${newId()}, ${customer.id}, ${p.channel}, ${p.externalId}, ${p.displayName ?? null})
        on conflict (channel, external_id) do nothing
        returning customer_id
      )
      insert into customers (id, name, locale, timezone, first_seen_at, last_seen_at)
      select customer_id, ${customer.name}, ${customer.locale}, null, ${p.at}, ${p.at} from identity
      returning id`.execute(this.db);
    if (rows.length > 0) return { customer, created: true };
    const existing = await this.findByIdentity(p.channel, p.externalId);
    if (!existing) throw new Error(`identity ${p.channel}:${p.externalId} conflicted but has no customer`);
    return { customer: existing, created: false };
  }

  async setLocale(customerId: string, locale: string): Promise<void> {
    await this.db.updateTable('customers').set({ locale }).where('id', '=', customerId).execute();
  }

  async profile(id: string): Promise<CustomerProfile | undefined> {
    const row = await this.profiles().where('id', '=', id).executeTakeFirst();
    return row && toProfile(row);
  }

  /** Locks the customer's row for the transaction; its `erased_at`, or undefined when there is no such customer. */
  async lockErasedAt(id: string): Promise<Date | null | undefined> {
    const row = await this.db.selectFrom('customers').select('erased_at').where('id', '=', id).forUpdate().executeTakeFirst();
    return row && row.erased_at;
  }

  async identities(customerId: string): Promise<CustomerIdentity[]> {
    const rows = await this.db.selectFrom('identities').selectAll().where('customer_id', '=', customerId).orderBy('created_at').orderBy('id').execute();
    return rows.map((r) => ({
      id: r.id, channel: r.channel, externalId: r.external_id, displayName: r.display_name, verified: r.verified,
      unreachableAt: r.unreachable_at, createdAt: r.created_at,
    }));
  }

  /** A page of customers matching every given filter, newest first. */
  async search(f: CustomerSearch): Promise<Page<CustomerProfile>> {
    const limit = Math.min(Math.max(f.limit ?? 50, 1), MAX_PAGE);
    const offset = Math.max(f.offset ?? 0, 0);
    const where = (eb: ExpressionBuilder<Database, 'customers'>) => {
      const parts = [];
      if (!f.includeErased) parts.push(eb('erased_at', 'is', null));
      if (f.shopId) parts.push(eb('shop_customer_id', '=', f.shopId));
      if (f.tag) parts.push(eb(sql<string[]>`tags`, '@>', sql<string[]>`array[${f.tag}]::text[]`));
      if (f.q) {
        const like = `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        parts.push(eb.or([eb('name', 'ilike', like), eb('email', 'ilike', like), eb('phone', 'ilike', like)]));
      }
      return eb.and(parts);
    };
    const [rows, count] = await Promise.all([
      this.profiles().where(where).orderBy('created_at', 'desc').orderBy('id').limit(limit).offset(offset).execute(),
      this.db.selectFrom('customers').select((eb) => eb.fn.countAll<string>().as('n')).where(where).executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map(toProfile), total: Number(count.n), limit, offset };
  }

  /** Applies a profile change; tags are added and removed in one statement (no lost update). */
  async update(id: string, u: ProfileUpdate): Promise<boolean> {
    const add = u.addTags ?? [];
    const remove = u.removeTags ?? [];
    const fields = pick(u, ['name', 'email', 'phone', 'locale', 'timezone', 'birthday']);
    // Nothing to change: an empty SET would be invalid SQL; answer whether the customer exists.
    if (Object.keys(fields).length === 0 && !add.length && !remove.length) return (await this.profile(id)) !== undefined;
    const r = await this.db
      .updateTable('customers')
      .set(() => ({
        ...pick(u, ['name', 'email', 'phone', 'locale', 'timezone', 'birthday']),
        ...(add.length || remove.length
          ? { tags: sql<string[]>`array(select distinct t from unnest(array_cat(tags, ${add}::text[])) t where not (t = any(${remove}::text[])) order by t)` }
          : {}),
      }))
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(r.numUpdatedRows ?? 0) > 0;
  }

  async findIdByShopId(shopCustomerId: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('customers').select('id').where('shop_customer_id', '=', shopCustomerId).executeTakeFirst();
    return row?.id;
  }

  /** The customer with this shop id, created empty (a placeholder) when unknown; race-safe. */
  async ensureByShopId(shopCustomerId: string, at: Date): Promise<{ id: string; created: boolean }> {
    const created = await this.db
      .insertInto('customers')
      .values({ id: newId(), shop_customer_id: shopCustomerId, name: null, locale: null, timezone: null, first_seen_at: at, last_seen_at: null })
      .onConflict((oc) => oc.column('shop_customer_id').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (created) return { id: created.id, created: true };
    return { id: (await this.findIdByShopId(shopCustomerId))!, created: false };
  }

  /**
   * Applies shop customer data to the customer with that shop id (creating it), and keeps one
   * verified `email` identity matching the shop's email. An erased customer gets no data back.
   */
  async upsertFromShop(d: ShopCustomerData, at: Date): Promise<string> {
    const { id } = await this.ensureByShopId(d.id, at);
    const current = await this.db.selectFrom('customers').select(['email', 'erased_at']).where('id', '=', id).forUpdate().executeTakeFirstOrThrow();
    if (current.erased_at) return id;
    const email = d.email?.trim().toLowerCase();
    await this.update(id, { ...pick(d, ['name', 'phone', 'locale', 'timezone', 'birthday']), ...(email ? { email } : {}), addTags: d.tags });
    if (email && email !== current.email?.toLowerCase()) await this.replaceIdentity(id, 'email', email);
    return id;
  }

  /** Replaces the customer's identity on `channel` with `externalId` (verified); skips one owned by someone else. */
  private async replaceIdentity(customerId: string, channel: string, externalId: string): Promise<void> {
    await this.db.deleteFrom('identities').where('customer_id', '=', customerId).where('channel', '=', channel).where('external_id', '!=', externalId).execute();
    await this.db
      .insertInto('identities')
      .values({ id: newId(), customer_id: customerId, channel, external_id: externalId, display_name: null, verified: true, unreachable_at: null, unreachable_reason: null })
      .onConflict((oc) => oc.columns(['channel', 'external_id']).doNothing())
      .execute();
  }

  private profiles() {
    return this.db
      .selectFrom('customers')
      .select([
        'id', 'name', 'email', 'phone', 'locale', 'timezone', 'tags', 'shop_customer_id', 'lifetime_spend', 'order_count',
        'last_order_at', 'created_at', 'first_seen_at', 'last_seen_at', 'erased_at',
        sql<string | null>`to_char(birthday, 'YYYY-MM-DD')`.as('birthday'),
      ]);
  }
}

type ProfileRow = Omit<Customer, 'birthday'> & { birthday: string | null };

function toProfile(r: ProfileRow): CustomerProfile {
  return {
    id: r.id, name: r.name, email: r.email, phone: r.phone, locale: r.locale, timezone: r.timezone, birthday: r.birthday,
    tags: r.tags, shopCustomerId: r.shop_customer_id, lifetimeSpend: Number(r.lifetime_spend), orderCount: r.order_count,
    lastOrderAt: r.last_order_at, createdAt: r.created_at, firstSeenAt: r.first_seen_at, lastSeenAt: r.last_seen_at, erasedAt: r.erased_at,
  };
}

function pick<T extends object, K extends keyof T>(o: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
