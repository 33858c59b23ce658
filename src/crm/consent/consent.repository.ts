import { sql, type Kysely } from 'kysely';
import type { Db } from '../../storage/database.js';
import type { Database } from '../../storage/schema.js';

export type ConsentPurpose = 'transactional' | 'marketing';

/** How a consent was given or withdrawn. `import` must carry evidence (the source file, row, proof). */
export const CONSENT_SOURCES = ['keyword', 'web_form', 'enrolment', 'import', 'admin', 'api'] as const;
export type ConsentSource = (typeof CONSENT_SOURCES)[number];

export interface ConsentRecord {
  customerId: string;
  channel: string;
  purpose: ConsentPurpose;
  granted: boolean;
  /** How it was given or withdrawn: keyword, web_form, enrolment, import, admin, api. */
  source: string;
  evidence?: string;
}

/** One (channel, purpose) as it stands now. */
export interface ConsentState {
  channel: string;
  purpose: ConsentPurpose;
  granted: boolean;
  source: string;
  evidence: string | null;
  at: Date;
}

/** What {@link ConsentRepository.messagingFacts} reads in one round trip. */
export interface MessagingFacts {
  exists: boolean;
  erased: boolean;
  reachable: boolean;
  /** The record in force at the time asked, or null when none was ever given by then. */
  granted: boolean | null;
}

/**
 * Customer ids whose latest record for (channel, purpose) at `at` is a grant — the batch form of
 * "latest row wins" (DISTINCT ON), usable as a subquery (`where id in (…)`) by segments and campaigns.
 */
export function liveConsentCustomerIds(db: Kysely<Database>, channel: string, purpose: ConsentPurpose, at?: Date) {
  let latest = db
    .selectFrom('consents')
    .distinctOn('customer_id')
    .select(['customer_id', 'granted'])
    .where('channel', '=', channel)
    .where('purpose', '=', purpose);
  if (at) latest = latest.where('created_at', '<=', at);
  const ordered = latest.orderBy('customer_id').orderBy('created_at', 'desc').orderBy('id', 'desc');
  return db.selectFrom(ordered.as('latest')).select('latest.customer_id').where('latest.granted', '=', true);
}

/** The consent ledger: append-only; the latest record per (customer, channel, purpose) is in force. */
export class ConsentRepository {
  constructor(private readonly db: Db) {}

  /** Runs `fn` in one transaction with a repository bound to it. */
  transaction<T>(fn: (repo: ConsentRepository, trx: Db) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => fn(new ConsentRepository(trx), trx));
  }

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

  /**
   * The record in force (at `at`, default: now), or undefined when none was ever given. Latest by
   * recorded time, then by insertion, so a back-dated import never overrides a newer STOP.
   */
  async latest(customerId: string, channel: string, purpose: ConsentPurpose, at?: Date) {
    let q = this.db
      .selectFrom('consents')
      .selectAll()
      .where('customer_id', '=', customerId)
      .where('channel', '=', channel)
      .where('purpose', '=', purpose);
    if (at) q = q.where('created_at', '<=', at);
    return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
  }

  async history(customerId: string) {
    return this.db.selectFrom('consents').selectAll().where('customer_id', '=', customerId).orderBy('id', 'asc').execute();
  }

  /** The record in force per (channel, purpose) for one customer. */
  async snapshot(customerId: string, at?: Date): Promise<ConsentState[]> {
    let q = this.db
      .selectFrom('consents')
      .distinctOn(['channel', 'purpose'])
      .select(['channel', 'purpose', 'granted', 'source', 'evidence', 'created_at'])
      .where('customer_id', '=', customerId);
    if (at) q = q.where('created_at', '<=', at);
    const rows = await q.orderBy('channel').orderBy('purpose').orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
    return rows.map((r) => ({ channel: r.channel, purpose: r.purpose, granted: r.granted, source: r.source, evidence: r.evidence, at: r.created_at }));
  }

  /** Everything "may we message them?" needs, in one query: erased, reachable identity, consent in force. */
  async messagingFacts(customerId: string, channel: string, purpose: ConsentPurpose, at: Date): Promise<MessagingFacts> {
    const r = await sql<{ erased: boolean; reachable: boolean; granted: boolean | null }>`
      select c.erased_at is not null as erased,
        exists (select 1 from identities i
                where i.customer_id = c.id and i.channel = ${channel} and i.unreachable_at is null) as reachable,
        (select k.granted from consents k
          where k.customer_id = c.id and k.channel = ${channel} and k.purpose = ${purpose} and k.created_at <= ${at}
          order by k.created_at desc, k.id desc limit 1) as granted
      from customers c where c.id = ${customerId}`.execute(this.db);
    const row = r.rows[0];
    if (!row) return { exists: false, erased: false, reachable: false, granted: null };
    return { exists: true, erased: row.erased, reachable: row.reachable, granted: row.granted };
  }

  /** One page of customer ids with live consent (keyset by id), for campaign materialisation. */
  async liveConsentPage(channel: string, purpose: ConsentPurpose, opts: { after?: string; limit: number; at?: Date }): Promise<string[]> {
    let q = this.db.selectFrom(liveConsentCustomerIds(this.db, channel, purpose, opts.at).as('live')).select('live.customer_id');
    if (opts.after) q = q.where('live.customer_id', '>', opts.after);
    const rows = await q.orderBy('live.customer_id').limit(opts.limit).execute();
    return rows.map((r) => r.customer_id);
  }
}
