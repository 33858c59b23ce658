import type { Db } from '../../storage/database.js';

export type ConsentPurpose = 'transactional' | 'marketing';

export interface ConsentRecord {
  customerId: string;
  channel: string;
  purpose: ConsentPurpose;
  granted: boolean;
  /** How it was given or withdrawn: keyword, web_form, enrolment, import, admin … */
  source: string;
  evidence?: string;
}

/** The consent ledger: append-only; the latest record per (customer, channel, purpose) is in force. */
export class ConsentRepository {
  constructor(private readonly db: Db) {}

  async append(record: ConsentRecord, at?: Date): Promise<void> {
    await this.db
      .insertInto('consents')
      .values({
        customer_id: record.customerId,
        channel: record.channel,
        purpose: record.purpose,
        granted: record.granted,
        source: record.source,
        evidence: record.evidence ?? null,
        ...(at ? { created_at: at } : {}),
      })
      .execute();
  }

  /** The record in force, or undefined when none was ever given. */
  async latest(customerId: string, channel: string, purpose: ConsentPurpose) {
    return this.db
      .selectFrom('consents')
      .selectAll()
      .where('customer_id', '=', customerId)
      .where('channel', '=', channel)
      .where('purpose', '=', purpose)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  async history(customerId: string) {
    return this.db.selectFrom('consents').selectAll().where('customer_id', '=', customerId).orderBy('id', 'asc').execute();
  }
}
