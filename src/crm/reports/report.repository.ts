import { sql } from 'kysely';
import type { Db } from '../../storage/database.js';

export interface DayChannelCount {
  day: string;
  channel: string;
  count: number;
}

export interface CampaignFunnel {
  sent: number;
  replied: number;
  converted: number;
}

export interface UnrecognisedMessage {
  text: string;
  locale: string | null;
  at: Date;
  /** Messages in the window that read the same once case, punctuation and spacing are ignored. */
  count: number;
}

/** Intents that mean "not understood" (the classifier's `oos`, and the fallback flow's name). */
export const UNRECOGNISED_INTENTS = ['oos', 'fallback'];
const REPLY_WINDOW = sql`interval '48 hours'`;
// Postgres error codes for a missing table or column: a module that is not installed reads as zero.
const MISSING = new Set(['42P01', '42703']);

/** Read-only SQL behind the admin reports; every query is bounded by a time window or a limit. */
export class ReportRepository {
  constructor(private readonly db: Db) {}

  async conversationsPerChannelPerDay(since: Date, timezone: string): Promise<DayChannelCount[]> {
    const { rows } = await sql<DayChannelCount>`
      select to_char(date_trunc('day', received_at at time zone ${timezone}), 'YYYY-MM-DD') as day, channel,
             count(distinct conversation_id)::int as count
      from inbound_messages where received_at >= ${since}
      group by 1, 2 order by 1, 2`.execute(this.db);
    return rows;
  }

  /** Intent counts of understood turns (button choices inside a flow are left out), and the share not understood. */
  async intents(since: Date, limit: number): Promise<{ mix: Array<{ intent: string; count: number }>; fallbackRate: number }> {
    const { rows } = await sql<{ intent: string; count: number }>`
      select intent, count(*)::int as count from inbound_messages
      where received_at >= ${since} and intent is not null and intent <> 'payload'
      group by intent order by count desc, intent`.execute(this.db);
    const total = rows.reduce((s, r) => s + r.count, 0);
    const missed = rows.filter((r) => UNRECOGNISED_INTENTS.includes(r.intent)).reduce((s, r) => s + r.count, 0);
    return { mix: rows.slice(0, limit), fallbackRate: total ? missed / total : 0 };
  }

  async membersByTier(): Promise<Array<{ tier: string; count: number }>> {
    const { rows } = await sql<{ tier: string; count: number }>`
      select tier, count(*)::int as count from loyalty_members where status = 'active' group by tier order by count desc, tier`.execute(this.db);
    return rows;
  }

  /** Points credited and redeemed in the window, and the balance outstanding over all members now. */
  async points(since: Date): Promise<{ issued: number; redeemed: number; outstanding: number }> {
    const { rows } = await sql<{ issued: string; redeemed: string; outstanding: string }>`
      select coalesce(sum(delta) filter (where delta > 0 and created_at >= ${since}), 0) as issued,
             coalesce(-sum(delta) filter (where kind = 'redeem' and created_at >= ${since}), 0) as redeemed,
             coalesce(sum(delta), 0) as outstanding
      from points_ledger`.execute(this.db);
    const r = rows[0];
    return { issued: Number(r.issued), redeemed: Number(r.redeemed), outstanding: Number(r.outstanding) };
  }

  /** Tickets by status now, and SLA breaches detected in the window. */
  async tickets(since: Date): Promise<{ byStatus: Array<{ status: string; count: number }>; slaBreaches: number }> {
    const byStatus = await sql<{ status: string; count: number }>`
      select status, count(*)::int as count from tickets group by status order by status`.execute(this.db);
    const breaches = await sql<{ n: number }>`select count(*)::int as n from tickets where breached_at >= ${since}`.execute(this.db);
    return { byStatus: byStatus.rows, slaBreaches: breaches.rows[0].n };
  }

  /**
   * Campaign messages sent in the window, how many recipients wrote back within 48 hours, and how
   * many ordered within the campaign's conversion window. Zeros when no campaign tables exist.
   */
  async campaignFunnel(since: Date): Promise<CampaignFunnel> {
    const zero = { sent: 0, replied: 0, converted: 0 };
    if (!(await this.tablesExist(['campaigns', 'campaign_deliveries', 'orders']))) return zero;
    try {
      const { rows } = await sql<CampaignFunnel>`
        select count(*)::int as sent,
          count(*) filter (where exists (
            select 1 from inbound_messages i
            where i.customer_id = d.customer_id and i.received_at >= d.sent_at and i.received_at < d.sent_at + ${REPLY_WINDOW}))::int as replied,
          count(*) filter (where exists (
            select 1 from orders o
            where o.customer_id = d.customer_id and o.created_at >= d.sent_at
              and o.created_at < d.sent_at + make_interval(days => c.conversion_window_days)))::int as converted
        from campaign_deliveries d join campaigns c on c.id = d.campaign_id
        where d.state = 'sent' and d.sent_at >= ${since}`.execute(this.db);
      return rows[0] ?? zero;
    } catch (err) {
      if (MISSING.has((err as { code?: string }).code ?? '')) return zero;
      throw err;
    }
  }

  /** Not-understood inbound texts in the window, grouped by their normalised form, most frequent first. */
  async unrecognised(since: Date, limit: number): Promise<UnrecognisedMessage[]> {
    const { rows } = await sql<UnrecognisedMessage>`
      with m as (
        select text, locale, received_at,
               btrim(regexp_replace(regexp_replace(lower(text), '[[:punct:]，。？！、；：“”‘’（）…]+', ' ', 'g'), '[[:space:]]+', ' ', 'g')) as norm
        from inbound_messages
        where intent in (${sql.join(UNRECOGNISED_INTENTS)}) and text is not null and text <> '[erased]' and received_at >= ${since}
          and not exists (select 1 from training_phrases tp where lower(btrim(tp.text)) = lower(btrim(inbound_messages.text)))
      )
      select (array_agg(text order by received_at desc))[1] as text,
             (array_agg(locale order by received_at desc))[1] as locale,
             max(received_at) as at, count(*)::int as count
      from m where norm <> ''
      group by norm order by count desc, at desc limit ${limit}`.execute(this.db);
    return rows.map((r) => ({ ...r, at: new Date(r.at) }));
  }

  private async tablesExist(names: string[]): Promise<boolean> {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from information_schema.tables
      where table_schema = current_schema() and table_name in (${sql.join(names)})`.execute(this.db);
    return rows[0].n === names.length;
  }
}
