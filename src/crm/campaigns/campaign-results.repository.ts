import { sql } from 'kysely';
import type { Db } from '../../storage/database.js';
import type { LocaleResults } from './campaign.types.js';

/** The SQL's row: the figures of {@link LocaleResults} except suppression counts, and `deferred` by its column name. */
type Row = Omit<LocaleResults, 'suppressed' | 'deferredQuietHours'> & { deferred: number };

/** Outcome figures of a campaign per locale, computed from its deliveries in SQL. */
export class CampaignResultsRepository {
  constructor(private readonly db: Db) {}

  async perLocale(campaignId: string, conversionWindowDays: number): Promise<LocaleResults[]> {
    const totals = await sql<Row>`
      select d.locale,
        count(*)::int as targeted,
        count(*) filter (where d.state = 'queued')::int as queued,
        count(*) filter (where d.quiet_deferred)::int as deferred,
        count(*) filter (where d.state = 'sent')::int as sent,
        count(*) filter (where d.state = 'failed')::int as failed,
        count(*) filter (where d.state = 'sent' and exists (
          select 1 from inbound_messages i where i.customer_id = d.customer_id
            and i.received_at >= d.sent_at and i.received_at < d.sent_at + interval '48 hours'))::int as replied,
        count(*) filter (where d.state = 'sent' and exists (
          select 1 from consents k where k.customer_id = d.customer_id and k.channel = d.channel and k.purpose = 'marketing'
            and not k.granted and k.created_at >= d.sent_at and k.created_at < d.sent_at + interval '48 hours'))::int as unsubscribed,
        coalesce(sum(conv.n), 0)::int as orders,
        coalesce(sum(conv.revenue), 0)::float8 as revenue
      from campaign_deliveries d
      left join lateral (
        select count(*) as n, sum(o.total) as revenue from orders o
        where d.state = 'sent' and o.customer_id = d.customer_id and o.status not in ('cancelled', 'refunded')
          and o.created_at >= d.sent_at and o.created_at < d.sent_at + make_interval(days => ${conversionWindowDays})
      ) conv on true
      where d.campaign_id = ${campaignId}
      group by d.locale order by d.locale`.execute(this.db);
    const reasons = await sql<{ locale: string; reason: string; n: number }>`
      select locale, coalesce(reason, 'unknown') as reason, count(*)::int as n from campaign_deliveries
      where campaign_id = ${campaignId} and state = 'skipped' group by locale, reason`.execute(this.db);
    return totals.rows.map((r) => ({
      locale: r.locale, targeted: r.targeted,
      suppressed: Object.fromEntries(reasons.rows.filter((x) => x.locale === r.locale).map((x) => [x.reason, x.n])),
      queued: r.queued, deferredQuietHours: r.deferred, sent: r.sent, failed: r.failed, replied: r.replied, unsubscribed: r.unsubscribed,
      orders: r.orders, revenue: Math.round(Number(r.revenue) * 100) / 100,
    }));
  }
}

const REASONS = ['no_consent', 'unreachable', 'capped', 'consent_withdrawn', 'erased', 'cancelled'];

/** CSV (RFC 4180) of per-locale results, one line per locale. */
export function resultsCsv(campaign: { id: string; name: string }, rows: LocaleResults[]): string {
  const extra = [...new Set(rows.flatMap((r) => Object.keys(r.suppressed)))].filter((k) => !REASONS.includes(k));
  const reasonCols = [...REASONS, ...extra];
  const header = ['campaign_id', 'campaign_name', 'locale', 'targeted', ...reasonCols.map((r) => `suppressed_${r}`), 'queued', 'deferred_quiet_hours', 'sent', 'failed', 'replied_48h', 'unsubscribed_48h', 'orders', 'revenue'];
  const cell = (v: string | number) => {
    const s = String(v);
    // A leading = + - @ would be run as a formula by spreadsheet programs.
    const safe = /^[=+\-@]/.test(s) && typeof v === 'string' ? `'${s}` : s;
    return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  const lines = rows.map((r) => [campaign.id, campaign.name, r.locale, r.targeted, ...reasonCols.map((k) => r.suppressed[k] ?? 0), r.queued, r.deferredQuietHours, r.sent, r.failed, r.replied, r.unsubscribed, r.orders, r.revenue].map(cell).join(','));
  return [header.join(','), ...lines].join('\r\n') + '\r\n';
}
