import { sql } from 'kysely';
import type { Clock } from '../../core/clock.js';
import { AppError } from '../../core/errors.js';
import type { Db } from '../../storage/database.js';
import { ConsentRepository } from '../consent/consent.repository.js';
import { TranscriptRepository, type TranscriptEntry } from '../conversations/transcript.repository.js';
import { OrderRepository } from '../orders/order.repository.js';
import type { Order } from '../orders/order.types.js';
import { CustomerRepository } from './customer.repository.js';
import type { CustomerIdentity, CustomerProfile } from './customer.types.js';
import { customerTables } from './identity-link.repository.js';

/** Other modules' tables included in an export when they exist (looked up at export time). */
export const EXPORTED_FOREIGN_TABLES = ['points_ledger', 'loyalty_members', 'tickets'] as const;
export const ERASED_TEXT = '[erased]';
const MAX_TRANSCRIPT = 100_000;

export interface CustomerExport {
  exportedAt: string;
  profile: CustomerProfile;
  identities: CustomerIdentity[];
  conversations: Array<{ id: string; channel: string; owner: string; createdAt: Date; lastMessageAt: Date | null; transcript: TranscriptEntry[] }>;
  orders: Order[];
  consents: unknown[];
  /** Rows of `points_ledger`, `loyalty_members`, `tickets` — only the tables that exist. */
  related: Record<string, unknown[]>;
}

/** Data-subject rights: export everything held about a customer, and erase their personal data. */
export class CustomerPrivacyService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async export(customerId: string): Promise<CustomerExport> {
    const customers = new CustomerRepository(this.db);
    const profile = await customers.profile(customerId);
    if (!profile) throw new AppError('not_found', `customer ${customerId} not found`);
    const conversations = await this.db.selectFrom('conversations').selectAll().where('customer_id', '=', customerId).orderBy('created_at').execute();
    const transcripts = new TranscriptRepository(this.db);
    const related: Record<string, unknown[]> = {};
    const present = new Set(await customerTables(this.db));
    for (const table of EXPORTED_FOREIGN_TABLES) {
      if (!present.has(table)) continue;
      related[table] = (await sql<Record<string, unknown>>`select * from ${sql.table(table)} where customer_id = ${customerId}`.execute(this.db)).rows;
    }
    return {
      exportedAt: this.clock.now().toISOString(),
      profile,
      identities: await customers.identities(customerId),
      conversations: await Promise.all(
        conversations.map(async (c) => ({
          id: c.id, channel: c.channel, owner: c.owner, createdAt: c.created_at, lastMessageAt: c.last_message_at,
          transcript: await transcripts.forConversation(c.id, MAX_TRANSCRIPT),
        })),
      ),
      orders: await this.db.selectFrom('orders').selectAll().where('customer_id', '=', customerId).orderBy('created_at').execute(),
      consents: await new ConsentRepository(this.db).history(customerId),
      related,
    };
  }

  /**
   * Removes personal data but keeps the customer row and its id, so ledgers, orders and totals
   * still add up: profile fields cleared, identities and link codes deleted, message texts and
   * recipients replaced, unsent messages suppressed, conversation thread ids and order addresses
   * dropped. Consent records and other modules' ledgers are kept (they are the legal record).
   */
  async erase(customerId: string, audit?: (trx: Db) => Promise<void>): Promise<{ customerId: string; erasedAt: Date }> {
    const at = this.clock.now();
    await this.db.transaction().execute(async (trx) => {
      const found = await trx
        .updateTable('customers')
        .set({ name: null, email: null, phone: null, birthday: null, timezone: null, tags: sql<string[]>`'{}'::text[]`, erased_at: at })
        .where('id', '=', customerId)
        .executeTakeFirst();
      if (Number(found.numUpdatedRows ?? 0) === 0) throw new AppError('not_found', `customer ${customerId} not found`);
      await trx.deleteFrom('identities').where('customer_id', '=', customerId).execute();
      await trx.deleteFrom('identity_link_codes').where('customer_id', '=', customerId).execute();
      const conversations = trx.selectFrom('conversations').select('id').where('customer_id', '=', customerId);
      await trx
        .updateTable('inbound_messages')
        .set({ text: sql<string | null>`case when text is null then null else ${ERASED_TEXT} end`, payload: null })
        .where((eb) => eb.or([eb('customer_id', '=', customerId), eb('conversation_id', 'in', conversations)]))
        .execute();
      await trx
        .updateTable('outbox')
        .set({
          message: JSON.stringify({ text: ERASED_TEXT }),
          recipient: ERASED_TEXT,
          status: sql`case when status in ('pending', 'sending') then 'suppressed' else status end`,
          last_error: sql`case when status in ('pending', 'sending') then 'customer erased' else last_error end`,
        })
        .where((eb) => eb.or([eb('customer_id', '=', customerId), eb('conversation_id', 'in', conversations)]))
        .execute();
      // The platform's thread id identifies the person; a returning one starts a new conversation.
      await trx
        .updateTable('conversations')
        .set({ external_id: sql<string>`'erased:' || id`, state: '{}' })
        .where('customer_id', '=', customerId)
        .execute();
      await new OrderRepository(trx).eraseAddresses(customerId);
      await audit?.(trx);
    });
    return { customerId, erasedAt: at };
  }
}
