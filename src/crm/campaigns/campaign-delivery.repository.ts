import { sql } from 'kysely';
import type { Db } from '../../storage/database.js';
import './campaign.types.js';

/** A delivery leased by the worker, with everything the send-time checks and rendering need. */
export interface DueDelivery {
  id: string;
  campaign_id: string;
  customer_id: string;
  channel: string;
  recipient: string;
  locale: string;
  name: string | null;
  timezone: string | null;
  erased: boolean;
  /** Consent in force now for (channel, marketing); null when none was ever given. */
  granted: boolean | null;
  tier: string | null;
  points: number;
  product: string | null;
}

/** The delivery worker's queries over campaign_deliveries. */
export class CampaignDeliveryRepository {
  constructor(private readonly db: Db) {}

  /** Deliveries handed to the outbox whose outcome is not recorded yet. */
  async inFlight(): Promise<number> {
    const r = await sql<{ n: number }>`select count(*)::int as n from campaign_deliveries where state = 'queued' and enqueued_at is not null`.execute(this.db);
    return r.rows[0]?.n ?? 0;
  }

  /**
   * Leases up to `limit` due deliveries of campaigns that are sending (`FOR UPDATE SKIP LOCKED`,
   * so workers on several instances never take the same row) and reads, in the same statement,
   * the consent in force and the personalisation facts. Call inside a transaction.
   */
  async claimDue(trx: Db, now: Date, limit: number): Promise<DueDelivery[]> {
    const r = await sql<DueDelivery>`
      with due as (
        select d.id from campaign_deliveries d
        join campaigns c on c.id = d.campaign_id and c.status = 'sending'
        where d.state = 'queued' and d.enqueued_at is null and d.next_attempt_at <= ${now}
        order by d.next_attempt_at, d.id
        limit ${limit}
        for update of d skip locked
      )
      select d.id, d.campaign_id, d.customer_id, d.channel, d.recipient, d.locale, cu.name, cu.timezone,
        cu.erased_at is not null as erased,
        (select k.granted from consents k
          where k.customer_id = d.customer_id and k.channel = d.channel and k.purpose = 'marketing' and k.created_at <= ${now}
          order by k.created_at desc, k.id desc limit 1) as granted,
        lm.tier,
        coalesce((select sum(p.delta) from points_ledger p where p.customer_id = d.customer_id), 0)::int as points,
        (select coalesce(pr.name, it.value->>'sku') from orders o
           cross join lateral jsonb_array_elements(o.items) it
           left join products pr on pr.sku = it.value->>'sku'
          where o.customer_id = d.customer_id order by o.created_at desc limit 1) as product
      from due join campaign_deliveries d on d.id = due.id
      join customers cu on cu.id = d.customer_id
      left join loyalty_members lm on lm.customer_id = d.customer_id
      order by d.id`.execute(trx);
    return r.rows;
  }

  async skip(trx: Db, ids: string[], reason: string): Promise<void> {
    if (ids.length === 0) return;
    await trx.updateTable('campaign_deliveries').set({ state: 'skipped', reason }).where('id', 'in', ids).execute();
  }

  /** Quiet hours: the send waits until they end (not skipped). */
  async defer(trx: Db, id: string, until: Date): Promise<void> {
    await trx.updateTable('campaign_deliveries').set({ next_attempt_at: until, quiet_deferred: true }).where('id', '=', id).execute();
  }

  async markEnqueued(trx: Db, ids: string[], now: Date): Promise<void> {
    if (ids.length === 0) return;
    await trx.updateTable('campaign_deliveries').set({ enqueued_at: now }).where('id', 'in', ids).execute();
  }

  /**
   * Campaign outbox rows a dead sender left mid-send (still `sending` after their lease ran out):
   * whether the platform got them is unknown. Returns their ids so they can be closed instead of
   * retried — a marketing message must never go twice, even after a crash.
   */
  async abandonedSends(): Promise<string[]> {
    const rows = await this.db
      .selectFrom('outbox')
      .select('id')
      .where('kind', '=', 'campaign')
      .where('status', '=', 'sending')
      .where('next_attempt_at', '<', new Date())
      .where('dedupe_key', 'like', 'campaign:%')
      // Only rows the dead sender had handed to the platform; the rest were never attempted and are retried.
      .where('send_started_at', 'is not', null)
      .execute();
    return rows.map((r) => r.id);
  }

  /** Copies final outbox outcomes (sent / failed / suppressed) back onto the deliveries. */
  async syncOutcomes(): Promise<number> {
    const r = await sql`
      update campaign_deliveries d set
        state = case when o.status = 'sent' then 'sent' else 'failed' end,
        outbox_id = o.id, sent_at = o.sent_at,
        reason = case when o.status = 'sent' then null else coalesce(o.last_error, o.status) end
      from outbox o
      where d.state = 'queued' and d.enqueued_at is not null
        and o.dedupe_key = 'campaign:' || d.id and o.status in ('sent', 'failed', 'suppressed')`.execute(this.db);
    return Number(r.numAffectedRows ?? 0n);
  }
}
