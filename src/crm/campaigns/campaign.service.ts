import { OutboxRepository } from '../../channels/delivery/outbox.repository.js';
import type { Clock } from '../../core/clock.js';
import { AppError } from '../../core/errors.js';
import type { Translator } from '../../core/i18n.js';
import { newId } from '../../core/ids.js';
import { toLocale } from '../../core/message.js';
import type { Db } from '../../storage/database.js';
import type { SegmentService } from '../segments/segment.service.js';
import type { StaffPrincipal } from '../staff/staff.types.js';
import type { CampaignAudienceRepository } from './campaign-audience.repository.js';
import { messageFor, renderCampaignMessage } from './campaign-render.js';
import { resultsCsv, type CampaignResultsRepository } from './campaign-results.repository.js';
import { nextCronFire } from './campaign-time.js';
import { summarise, type CampaignTrigger } from './campaign-trigger.js';
import type { CampaignRepository } from './campaign.repository.js';
import { toCampaign, type Campaign, type CampaignRow, type CampaignStatus, type CreateCampaignInput, type LocaleResults } from './campaign.types.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Records a staff change (e.g. its audit row) through `trx`, the transaction that makes the change,
 * after the change: both commit together, and a throw rolls the change back. `campaign` is the
 * campaign as the change left it.
 */
export type CampaignAudit = (trx: Db, campaign: Campaign) => Promise<void>;

export interface CampaignServiceDeps {
  /** For transactions; the repositories take it (or a transaction) per call. */
  db: Db;
  campaigns: CampaignRepository;
  audience: CampaignAudienceRepository;
  results: CampaignResultsRepository;
  trigger: CampaignTrigger;
  segments: Pick<SegmentService, 'get' | 'membersQuery'>;
  outbox: Pick<OutboxRepository, 'enqueue'>;
  translator: Translator;
  wake: () => void;
  clock: Clock;
  /** Base URL of unsubscribe links (a test send shows a placeholder link there). */
  publicUrl: string;
}

/**
 * Campaign lifecycle: draft → approved (by an admin other than the author) → scheduled → sending →
 * done, with pause / resume / cancel; preview, test send and results. Every transition is one
 * conditional UPDATE, so a request that loses a race gets 409. Staff actions (create, approve,
 * schedule, pause, resume, cancel, test send) take an optional {@link CampaignAudit} that runs in
 * the transaction making the change, so a crash cannot leave a change without its audit row.
 */
export class CampaignService {
  constructor(private readonly deps: CampaignServiceDeps) {}

  async create(input: CreateCampaignInput, author: StaffPrincipal, audit?: CampaignAudit): Promise<Campaign> {
    await this.deps.segments.get(input.segmentId);
    const now = this.deps.clock.now();
    return this.audited(async (trx) => toCampaign(await this.deps.campaigns.insert({
      id: newId(), name: input.name, segment_id: input.segmentId, channels: input.channels, messages: input.messages, schedule: input.schedule,
      created_by: author.id, conversion_window_days: input.conversionWindowDays ?? 7,
      frequency_cap_max: input.frequencyCap?.max ?? null, frequency_cap_days: input.frequencyCap?.days ?? null,
    }, now, trx)), audit);
  }

  async get(id: string): Promise<Campaign> {
    return toCampaign(await this.row(id));
  }

  async list(opts: { status?: CampaignStatus; limit?: number; before?: string } = {}): Promise<{ items: Campaign[]; next: string | null }> {
    const limit = Math.min(Math.max(opts.limit ?? 50, 1), 200);
    let before: { at: Date; id: string } | undefined;
    if (opts.before) {
      const b = await this.deps.campaigns.findById(UUID.test(opts.before) ? opts.before : '00000000-0000-0000-0000-000000000000');
      if (!b) throw new AppError('validation_failed', `before: no campaign ${opts.before}`);
      before = { at: b.created_at, id: b.id };
    }
    const rows = await this.deps.campaigns.list({ status: opts.status, before, limit: limit + 1 });
    const items = rows.slice(0, limit).map(toCampaign);
    return { items, next: rows.length > limit ? items[items.length - 1].id : null };
  }

  /** Approval: admin only, and never the author (four eyes). */
  async approve(id: string, by: StaffPrincipal, audit?: CampaignAudit): Promise<Campaign> {
    const c = await this.row(id);
    if (by.role !== 'admin') throw new AppError('forbidden', `approving campaign ${id} needs the admin role; you are ${by.role}`);
    if (c.created_by === by.id) throw new AppError('forbidden', `campaign ${id} must be approved by a different admin than its author`);
    const now = this.deps.clock.now();
    return this.audited((trx) => this.move(c, ['draft'], { status: 'approved', approved_by: by.id, approved_at: now, updated_at: now }, 'approve', trx), audit);
  }

  /** Arms the schedule: the trigger fires it at `at` or at each cron time. */
  async schedule(id: string, audit?: CampaignAudit): Promise<Campaign> {
    const c = await this.row(id);
    const now = this.deps.clock.now();
    const next = 'at' in c.schedule ? new Date(c.schedule.at) : nextCronFire(c.schedule.cron, c.schedule.timezone, now);
    if (!next) throw new AppError('validation_failed', `campaign ${id}: the cron expression never fires within a year`);
    return this.audited((trx) => this.move(c, ['approved'], { status: 'scheduled', next_fire_at: next, updated_at: now }, 'schedule', trx), audit);
  }

  async pause(id: string, audit?: CampaignAudit): Promise<Campaign> {
    const c = await this.row(id);
    const now = this.deps.clock.now();
    return this.audited((trx) => this.move(c, ['scheduled', 'sending'], { status: 'paused', paused_from: c.status, updated_at: now }, 'pause', trx), audit);
  }

  /**
   * Back to where the pause found it. A run that drained while paused (settle closes it) leaves a
   * one-off campaign done and a recurring one scheduled for its next fire.
   */
  async resume(id: string, audit?: CampaignAudit): Promise<Campaign> {
    const c = await this.row(id);
    const wasSending = c.paused_from === 'sending';
    const back: CampaignStatus = !wasSending ? 'scheduled' : (await this.deps.campaigns.hasOpenRun(id)) ? 'sending' : 'cron' in c.schedule ? 'scheduled' : 'done';
    const now = this.deps.clock.now();
    return this.audited((trx) => this.move(c, ['paused'], { status: back, paused_from: null, updated_at: now }, 'resume', trx), audit);
  }

  /**
   * Cancels: nothing more is handed to the outbox (what is already queued there still goes). The
   * status change, the skipped deliveries, the closed run and the audit commit together, so a crash
   * or a failed statement cannot leave a cancelled campaign with a run still open (and a retry refused).
   */
  async cancel(id: string, audit?: CampaignAudit): Promise<Campaign> {
    const c = await this.row(id);
    const now = this.deps.clock.now();
    return this.audited(async (trx) => {
      const moved = await this.move(c, ['draft', 'approved', 'scheduled', 'sending', 'paused'], { status: 'cancelled', next_fire_at: null, updated_at: now }, 'cancel', trx);
      await this.deps.campaigns.cancelPending(id, now, trx);
      return moved;
    }, audit);
  }

  /** Audience count, suppressed counts by reason and a sample, as a fire now would give. */
  async preview(id: string, sampleSize = 10) {
    const c = await this.row(id);
    const now = this.deps.clock.now();
    const members = await this.deps.segments.membersQuery({ segmentId: c.segment_id }, now);
    const { counts, sample } = await this.deps.audience.preview(members, this.deps.trigger.spec(c, now), Math.min(Math.max(sampleSize, 1), 50));
    const { audience, targeted, suppressed } = summarise(counts);
    return {
      campaignId: id, segmentSize: targeted, audience, suppressed,
      sample: sample.map((s) => ({ customerId: s.customer_id, name: s.name, channel: s.channel, locale: s.locale, state: s.state, reason: s.reason })),
    };
  }

  /**
   * Sends the campaign's message to a staff member's own address or chat, marked as a test. With
   * `audit`, the test message is queued in the audit's transaction (through an outbox bound to it).
   */
  async testSend(id: string, target: { channel: string; recipient: string; locale?: string }, by: StaffPrincipal, audit?: CampaignAudit): Promise<{ queued: boolean; dedupeKey: string; text: string }> {
    const c = await this.row(id);
    if (!c.channels.includes(target.channel)) throw new AppError('validation_failed', `channel: campaign ${id} does not use ${target.channel} (it uses ${c.channels.join(', ')})`);
    const { locale, message } = messageFor(c.messages, toLocale(target.locale) ?? Object.keys(c.messages)[0]);
    const t = this.deps.translator;
    const rendered = renderCampaignMessage(t, locale, message, { name: by.name, points: 0 }, { channel: target.channel, url: target.channel === 'email' ? new URL('/unsubscribe?t=test-send', this.deps.publicUrl).toString() : undefined });
    rendered.text = `${t.t(locale, 'campaigns.test_prefix')}${rendered.text}`;
    if (rendered.attachments) delete rendered.attachments;
    const dedupeKey = `campaign-test:${id}:${newId()}`;
    const delivery = { dedupeKey, channel: target.channel, recipient: target.recipient, kind: 'campaign' as const, author: `staff:${by.id}`, message: rendered };
    const queued = !audit ? await this.deps.outbox.enqueue(delivery) : await this.deps.db.transaction().execute(async (trx) => {
      const q = await new OutboxRepository(trx).enqueue(delivery);
      await audit(trx, toCampaign(c));
      return q;
    });
    // After the commit, so the sender woken finds the row.
    if (queued) this.deps.wake();
    return { queued, dedupeKey, text: rendered.text };
  }

  async results(id: string): Promise<{ campaign: Campaign; runs: number; locales: LocaleResults[]; total: Omit<LocaleResults, 'locale'> }> {
    const c = await this.row(id);
    const locales = await this.deps.results.perLocale(id, c.conversion_window_days);
    const runs = (await this.deps.campaigns.runs(id)).length;
    return { campaign: toCampaign(c), runs, locales, total: sumResults(locales) };
  }

  async resultsCsv(id: string): Promise<string> {
    const r = await this.results(id);
    return resultsCsv(r.campaign, r.locales);
  }

  private async row(id: string): Promise<CampaignRow> {
    const row = UUID.test(id) ? await this.deps.campaigns.findById(id) : undefined;
    if (!row) throw new AppError('not_found', `campaign ${id} not found`);
    return row;
  }

  /** Runs `change`, then `audit` (when given) on its result, in one transaction. */
  private audited(change: (trx: Db) => Promise<Campaign>, audit?: CampaignAudit): Promise<Campaign> {
    return this.deps.db.transaction().execute(async (trx) => {
      const campaign = await change(trx);
      if (audit) await audit(trx, campaign);
      return campaign;
    });
  }

  /** `db`: a transaction the move belongs to (on PGlite, queries outside it would wait for it). */
  private async move(c: CampaignRow, from: CampaignStatus[], set: Parameters<CampaignRepository['transition']>[2], action: string, db?: Db): Promise<Campaign> {
    if (!from.includes(c.status)) throw new AppError('conflict', `campaign ${c.id} is ${c.status}; cannot ${action} it (needs ${from.join(' or ')})`);
    const row = await this.deps.campaigns.transition(c.id, from, set, db);
    if (!row) {
      const now = await this.deps.campaigns.findById(c.id, db);
      throw new AppError('conflict', `campaign ${c.id} changed to ${now?.status ?? 'deleted'} meanwhile; cannot ${action} it`);
    }
    return toCampaign(row);
  }
}

function sumResults(rows: LocaleResults[]): Omit<LocaleResults, 'locale'> {
  const total: Omit<LocaleResults, 'locale'> = { targeted: 0, suppressed: {}, queued: 0, deferredQuietHours: 0, sent: 0, failed: 0, replied: 0, unsubscribed: 0, orders: 0, revenue: 0 };
  for (const r of rows) {
    for (const k of ['targeted', 'queued', 'deferredQuietHours', 'sent', 'failed', 'replied', 'unsubscribed', 'orders', 'revenue'] as const) total[k] += r[k];
    for (const [k, n] of Object.entries(r.suppressed)) total.suppressed[k] = (total.suppressed[k] ?? 0) + n;
  }
  total.revenue = Math.round(total.revenue * 100) / 100;
  return total;
}
