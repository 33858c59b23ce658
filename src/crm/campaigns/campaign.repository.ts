import type { Db } from '../../storage/database.js';
import type { CampaignRow, CampaignRunRow, CampaignStatus } from './campaign.types.js';
import './campaign.types.js';

export type NewCampaignRow = Omit<CampaignRow, 'created_at' | 'updated_at' | 'approved_at' | 'approved_by' | 'next_fire_at' | 'last_fired_at' | 'paused_from' | 'status'>;

/** Campaigns and their runs: queries only; the lifecycle rules live in CampaignService. */
export class CampaignRepository {
  constructor(private readonly db: Db) {}

  /** `db`: a transaction to insert in (the caller's audit row commits with it). */
  async insert(row: NewCampaignRow, now: Date, db: Db = this.db): Promise<CampaignRow> {
    return db
      .insertInto('campaigns')
      .values({ ...row, messages: JSON.stringify(row.messages), schedule: JSON.stringify(row.schedule), status: 'draft', paused_from: null, approved_by: null, approved_at: null, next_fire_at: null, last_fired_at: null, created_at: now, updated_at: now })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  findById(id: string, db: Db = this.db): Promise<CampaignRow | undefined> {
    return db.selectFrom('campaigns').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The campaign row locked (`FOR UPDATE`) until the end of the transaction `trx`. */
  lock(trx: Db, id: string): Promise<CampaignRow | undefined> {
    return trx.selectFrom('campaigns').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  }

  /** Newest first, keyset by (created_at, id). */
  list(opts: { status?: CampaignStatus; before?: { at: Date; id: string }; limit: number }): Promise<CampaignRow[]> {
    let q = this.db.selectFrom('campaigns').selectAll();
    if (opts.status) q = q.where('status', '=', opts.status);
    if (opts.before) {
      const b = opts.before;
      q = q.where((eb) => eb.or([eb('created_at', '<', b.at), eb.and([eb('created_at', '=', b.at), eb('id', '<', b.id)])]));
    }
    return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(opts.limit).execute();
  }

  /**
   * Moves a campaign from one of `from` to `to` in one conditional UPDATE, so two racing requests
   * (or instances) cannot both win; undefined when the campaign was not in an allowed state.
   */
  transition(id: string, from: CampaignStatus[], set: Partial<Omit<CampaignRow, 'id' | 'created_at' | 'messages' | 'schedule'>> & { status: CampaignStatus }, db: Db = this.db, extra?: { nextFireAt?: Date | null }): Promise<CampaignRow | undefined> {
    let q = db.updateTable('campaigns').set({ ...set }).where('id', '=', id).where('status', 'in', from);
    if (extra?.nextFireAt !== undefined) q = extra.nextFireAt === null ? q.where('next_fire_at', 'is', null) : q.where('next_fire_at', '=', extra.nextFireAt);
    return q.returningAll().executeTakeFirst();
  }

  /** Scheduled campaigns whose fire time has come. */
  due(now: Date, limit = 20): Promise<CampaignRow[]> {
    return this.db.selectFrom('campaigns').selectAll().where('status', '=', 'scheduled').where('next_fire_at', '<=', now).orderBy('next_fire_at').limit(limit).execute();
  }

  /** Records a fire; undefined when this (campaign, fire time) was already fired. */
  insertRun(db: Db, run: { id: string; campaignId: string; fireAt: Date; now: Date }): Promise<{ id: string } | undefined> {
    return db
      .insertInto('campaign_runs')
      .values({ id: run.id, campaign_id: run.campaignId, fire_at: run.fireAt, status: 'sending', targeted: 0, suppressed: '{}', created_at: run.now, finished_at: null })
      .onConflict((oc) => oc.columns(['campaign_id', 'fire_at']).doNothing())
      .returning('id')
      .executeTakeFirst();
  }

  async setRunCounts(db: Db, runId: string, targeted: number, suppressed: Record<string, number>): Promise<void> {
    await db.updateTable('campaign_runs').set({ targeted, suppressed: JSON.stringify(suppressed) }).where('id', '=', runId).execute();
  }

  runs(campaignId: string): Promise<CampaignRunRow[]> {
    return this.db.selectFrom('campaign_runs').selectAll().where('campaign_id', '=', campaignId).orderBy('fire_at', 'desc').limit(100).execute();
  }

  /**
   * Campaigns the worker's settle has work for: a run still sending with nothing left
   * queued, or the campaign `sending` without any open run (a settle that stopped between closing
   * the run and moving the campaign, or a resume that raced the run's end).
   */
  async toSettle(): Promise<string[]> {
    const rows = await this.db
      .selectFrom('campaign_runs')
      .select('campaign_id')
      .where('status', '=', 'sending')
      .where((eb) => eb.not(eb.exists(eb.selectFrom('campaign_deliveries as d').select('d.id').whereRef('d.run_id', '=', 'campaign_runs.id').where('d.state', '=', 'queued'))))
      .union((db) => db
        .selectFrom('campaigns as c')
        .select('c.id as campaign_id')
        .where('c.status', '=', 'sending')
        .where((eb) => eb.not(eb.exists(eb.selectFrom('campaign_runs as r').select('r.id').whereRef('r.campaign_id', '=', 'c.id').where('r.status', '=', 'sending')))))
      .execute();
    return rows.map((r) => r.campaign_id);
  }

  /**
   * Runs still sending with nothing left queued (of one campaign when `campaignId` is given): done
   * now. Returns their campaign ids. Pass a transaction to commit it with the campaign's move.
   */
  async finishDrainedRuns(now: Date, db: Db = this.db, campaignId?: string): Promise<string[]> {
    let q = db
      .updateTable('campaign_runs')
      .set({ status: 'done', finished_at: now })
      .where('status', '=', 'sending')
      .where((eb) => eb.not(eb.exists(eb.selectFrom('campaign_deliveries as d').select('d.id').whereRef('d.run_id', '=', 'campaign_runs.id').where('d.state', '=', 'queued'))));
    if (campaignId) q = q.where('campaign_id', '=', campaignId);
    const rows = await q.returning('campaign_id').execute();
    return [...new Set(rows.map((r) => r.campaign_id))];
  }

  async hasOpenRun(campaignId: string, db: Db = this.db): Promise<boolean> {
    const r = await db.selectFrom('campaign_runs').select('id').where('campaign_id', '=', campaignId).where('status', '=', 'sending').limit(1).executeTakeFirst();
    return r !== undefined;
  }

  /** Cancels what is not yet handed to the outbox and closes the open run; pass the transaction that cancels the campaign. */
  async cancelPending(campaignId: string, now: Date, db: Db = this.db): Promise<number> {
    const r = await db
      .updateTable('campaign_deliveries')
      .set({ state: 'skipped', reason: 'cancelled' })
      .where('campaign_id', '=', campaignId)
      .where('state', '=', 'queued')
      .where('enqueued_at', 'is', null)
      .executeTakeFirst();
    await db.updateTable('campaign_runs').set({ status: 'cancelled', finished_at: now }).where('campaign_id', '=', campaignId).where('status', '=', 'sending').execute();
    return Number(r.numUpdatedRows ?? 0n);
  }
}
