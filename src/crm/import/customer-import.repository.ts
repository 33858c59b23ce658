import { sql, type Kysely } from 'kysely';
import { newId } from '../../core/ids.js';
import type { Db } from '../../storage/database.js';
import type { CustomerImportRow } from './import-schemas.js';
import type { BatchResult } from './import.types.js';

/**
 * The customer columns this module writes (migration 0002). Declared locally and used through a
 * cast, so this file does not depend on how the customers module types its table.
 */
interface ImportCustomersTable {
  id: string;
  shop_customer_id: string | null;
  email: string | null;
  phone: string | null;
  name: string | null;
  locale: string | null;
  timezone: string | null;
  tags: string[];
  birthday: string | null;
  erased_at: Date | null;
}
interface ImportTables {
  customers: ImportCustomersTable;
}

const FIELDS = ['email', 'phone', 'name', 'locale', 'timezone', 'tags', 'birthday'] as const;
type Field = (typeof FIELDS)[number];

/** Batch upserts of customers keyed by the shop's customer id, plus imported marketing consent. */
export class CustomerImportRepository {
  private readonly db: Kysely<ImportTables>;

  constructor(db: Db) {
    this.db = db as unknown as Kysely<ImportTables>;
  }

  /** Upserts one batch (unique shop ids). Fields absent from a row keep their stored values. */
  async upsertBatch(rows: CustomerImportRow[]): Promise<BatchResult> {
    const result: BatchResult = { inserted: 0, updated: 0, unchanged: 0, rejected: [] };
    const erased = await this.erasedAmong(rows.map((r) => r.shopCustomerId));
    const groups = new Map<string, { index: number; row: CustomerImportRow }[]>();
    rows.forEach((row, index) => {
      if (erased.has(row.shopCustomerId)) {
        result.rejected.push({ index, reason: `customer ${row.shopCustomerId} was erased on request; it is not re-imported` });
        return;
      }
      const present = FIELDS.filter((f) => row[f] !== undefined).join(',');
      groups.set(present, [...(groups.get(present) ?? []), { index, row }]);
    });
    for (const [signature, members] of groups) {
      const fields = (signature ? signature.split(',') : []) as Field[];
      const written = await this.upsertGroup(fields, members.map((m) => m.row));
      for (const w of written) w.inserted ? result.inserted++ : result.updated++;
      result.unchanged += members.length - written.length;
    }
    await this.appendConsents(rows.filter((r) => r.marketingConsent?.evidence && !erased.has(r.shopCustomerId)));
    return result;
  }

  private async erasedAmong(shopIds: string[]): Promise<Set<string>> {
    const rows = await this.db
      .selectFrom('customers')
      .select('shop_customer_id')
      .where('shop_customer_id', 'in', shopIds)
      .where('erased_at', 'is not', null)
      .execute();
    return new Set(rows.map((r) => r.shop_customer_id!));
  }

  private upsertGroup(fields: Field[], rows: CustomerImportRow[]) {
    const values = rows.map((r) => {
      const v: Record<string, unknown> = { id: newId(), shop_customer_id: r.shopCustomerId };
      for (const f of fields) v[f] = r[f] ?? null;
      return v as unknown as ImportCustomersTable;
    });
    const insert = this.db.insertInto('customers').values(values);
    if (fields.length === 0) {
      return insert.onConflict((oc) => oc.column('shop_customer_id').doNothing()).returning([sql<boolean>`true`.as('inserted')]).execute();
    }
    const target = sql.join(fields.map((f) => sql.ref(`customers.${f}`)));
    const incoming = sql.join(fields.map((f) => sql.ref(`excluded.${f}`)));
    return insert
      .onConflict((oc) =>
        oc
          .column('shop_customer_id')
          .doUpdateSet(Object.fromEntries(fields.map((f) => [f, sql.ref(`excluded.${f}`)])) as never)
          // Unchanged rows are not rewritten; erased customers are never brought back.
          .where(sql<boolean>`row(${target}) is distinct from row(${incoming}) and customers.erased_at is null`),
      )
      .returning([sql<boolean>`(xmax = 0)`.as('inserted')])
      .execute();
  }

  /**
   * Appends imported marketing consent. Re-importing the same evidence adds nothing, so an old
   * file can never override a later STOP.
   */
  private async appendConsents(rows: CustomerImportRow[]): Promise<void> {
    if (rows.length === 0) return;
    const payload = JSON.stringify(
      rows.map((r) => ({ shop_customer_id: r.shopCustomerId, channel: r.marketingConsent!.channel, granted: r.marketingConsent!.granted, evidence: r.marketingConsent!.evidence })),
    );
    await sql`
      insert into consents (customer_id, channel, purpose, granted, source, evidence)
      select c.id, r.channel, 'marketing', r.granted, 'import', r.evidence
      from jsonb_to_recordset(${payload}::jsonb) as r(shop_customer_id text, channel text, granted boolean, evidence text)
      join customers c on c.shop_customer_id = r.shop_customer_id
      where not exists (
        select 1 from consents k
        where k.customer_id = c.id and k.channel = r.channel and k.purpose = 'marketing'
          and k.source = 'import' and k.granted = r.granted and k.evidence = r.evidence)`.execute(this.db);
  }
}
