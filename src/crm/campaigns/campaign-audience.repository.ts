import { sql, type RawBuilder } from 'kysely';
import type { Locale } from '../../core/message.js';
import type { Db } from '../../storage/database.js';
import { liveConsentCustomerIds } from '../consent/consent.repository.js';

/** The segment's members as a subquery selecting `customer_id` (SegmentService.membersQuery). */
export type MembersQuery = { compile(): unknown } & object;

export interface AudienceSpec {
  channels: string[];
  /** Locales the campaign has a message for; the first is the fallback. */
  locales: Locale[];
  cap: { max: number; days: number };
  now: Date;
}

export interface AudienceCount {
  state: 'queued' | 'skipped';
  reason: string | null;
  n: number;
}

export interface AudienceSample {
  customer_id: string;
  name: string | null;
  channel: string | null;
  locale: string;
  state: string;
  reason: string | null;
}

const DAY_MS = 86_400_000;

/**
 * Where a customer can be reached on a channel, as joins plus "reachable" and "recipient"
 * expressions: a reachable identity (the newest); for e-mail also the profile's address unless
 * that address bounced (an unreachable e-mail identity with the same address).
 */
function reach(db: Db, channel: string, i: number): { joins: RawBuilder<unknown>[]; ok: RawBuilder<unknown>; recipient: RawBuilder<unknown> } {
  const r = sql.raw(`r${i}`);
  const identities = db
    .selectFrom('identities')
    .distinctOn('customer_id')
    .select(['customer_id', 'external_id as recipient'])
    .where('channel', '=', channel)
    .where('unreachable_at', 'is', null)
    .orderBy('customer_id')
    .orderBy('created_at', 'desc');
  const joins = [sql`left join (${identities}) ${r} on ${r}.customer_id = m.customer_id`];
  if (channel !== 'email') return { joins, ok: sql`${r}.customer_id is not null`, recipient: sql`${r}.recipient` };
  const b = sql.raw(`b${i}`);
  joins.push(sql`left join (select distinct customer_id, lower(external_id) as address from identities
      where channel = 'email' and unreachable_at is not null) ${b} on ${b}.customer_id = m.customer_id and ${b}.address = lower(cu.email)`);
  return {
    joins,
    ok: sql`(${r}.customer_id is not null or (cu.email is not null and ${b}.customer_id is null))`,
    recipient: sql`coalesce(${r}.recipient, cu.email)`,
  };
}

/**
 * One SELECT producing a delivery row per segment member: the first channel in preference order
 * with a reachable identity and live marketing consent, else the suppression reason; the frequency
 * cap is applied against deliveries of every campaign in the window. Used for the INSERT … SELECT
 * and, unchanged, for the preview, so both agree.
 */
export function audienceSelect(db: Db, members: MembersQuery, spec: AudienceSpec): RawBuilder<AudienceSample & { recipient: string | null }> {
  const joins: RawBuilder<unknown>[] = [];
  const pickChannel: RawBuilder<unknown>[] = [];
  const pickRecipient: RawBuilder<unknown>[] = [];
  const anyConsent: RawBuilder<unknown>[] = [];
  spec.channels.forEach((channel, i) => {
    const k = sql.raw(`k${i}`);
    const live = liveConsentCustomerIds(db, channel, 'marketing', spec.now);
    const where = reach(db, channel, i);
    joins.push(sql`left join (${live}) ${k} on ${k}.customer_id = m.customer_id`, ...where.joins);
    pickChannel.push(sql`when ${k}.customer_id is not null and ${where.ok} then ${channel}`);
    pickRecipient.push(sql`when ${k}.customer_id is not null and ${where.ok} then ${where.recipient}`);
    anyConsent.push(sql`${k}.customer_id is not null`);
  });
  const [fallback] = spec.locales;
  const zh = spec.locales.includes('zh-CN');
  const en = spec.locales.includes('en');
  const locale = sql`case
      when ${zh} and lower(coalesce(cu.locale, '')) like 'zh%' then 'zh-CN'
      when ${en} and lower(coalesce(cu.locale, '')) like 'en%' then 'en'
      else ${fallback} end`;
  const since = new Date(spec.now.getTime() - spec.cap.days * DAY_MS);
  return sql`
    select p.customer_id, p.name, p.channel, p.recipient, p.locale,
      case when p.channel is null or p.capped then 'skipped' else 'queued' end as state,
      case when p.channel is null then (case when p.consented then 'unreachable' else 'no_consent' end)
           when p.capped then 'capped' end as reason
    from (
      select m.customer_id, cu.name, ${locale} as locale,
        case ${sql.join(pickChannel, sql` `)} end as channel,
        case ${sql.join(pickRecipient, sql` `)} end as recipient,
        (${sql.join(anyConsent, sql` or `)}) as consented,
        coalesce(cap.n, 0) >= ${spec.cap.max} as capped
      from (${members}) m
      join customers cu on cu.id = m.customer_id
      ${sql.join(joins, sql` `)}
      left join (select customer_id, count(*) as n from campaign_deliveries
                 where state in ('queued', 'sent') and created_at >= ${since}
                 group by customer_id) cap on cap.customer_id = m.customer_id
    ) p`;
}

/** Materialisation and preview of a campaign's recipients. */
export class CampaignAudienceRepository {
  constructor(private readonly db: Db) {}

  /** Inserts the run's recipients in one statement; returns how many rows went in. */
  async materialise(db: Db, target: { campaignId: string; runId: string; recurring: boolean }, members: MembersQuery, spec: AudienceSpec): Promise<number> {
    const r = await sql`
      insert into campaign_deliveries (campaign_id, run_id, recurring, customer_id, channel, recipient, locale, state, reason, next_attempt_at)
      select ${target.campaignId}::uuid, ${target.runId}::uuid, ${target.recurring}, a.customer_id, a.channel, a.recipient, a.locale, a.state, a.reason, ${spec.now}
      from (${audienceSelect(db, members, spec)}) a
      on conflict do nothing`.execute(db);
    return Number(r.numAffectedRows ?? 0n);
  }

  /** Counts per state and reason of one run. */
  async runCounts(db: Db, runId: string): Promise<AudienceCount[]> {
    const r = await sql<AudienceCount>`
      select state, reason, count(*)::int as n from campaign_deliveries where run_id = ${runId} group by state, reason`.execute(db);
    return r.rows;
  }

  /** What a materialisation now would give: counts per state/reason and a sample of recipients. */
  async preview(members: MembersQuery, spec: AudienceSpec, sampleSize: number): Promise<{ counts: AudienceCount[]; sample: AudienceSample[] }> {
    const select = audienceSelect(this.db, members, spec);
    const counts = await sql<AudienceCount>`select state, reason, count(*)::int as n from (${select}) a group by state, reason`.execute(this.db);
    const sample = await sql<AudienceSample>`
      select customer_id, name, channel, locale, state, reason from (${select}) a order by state, customer_id limit ${sampleSize}`.execute(this.db);
    return { counts: counts.rows, sample: sample.rows };
  }
}
