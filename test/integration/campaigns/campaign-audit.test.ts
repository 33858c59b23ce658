import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../../src/core/ids.js';
import type { CampaignAudit } from '../../../src/crm/campaigns/campaign.service.js';
import type { Campaign } from '../../../src/crm/campaigns/campaign.types.js';
import { StaffService } from '../../../src/crm/staff/staff.service.js';
import { openStore, type Db, type Store } from '../../../src/storage/database.js';
import { postJson, tempDataDir } from '../../helpers/app.js';
import { freshDatabase, requirePostgres } from '../../setup/servers.js';
import { NOON_UTC, openKit, type Kit } from './campaign-kit.js';
import { startCampaignApp, type CampaignApp } from './support/campaign-app.js';

/**
 * A staff change to a campaign and its audit row commit together (a crash loses neither alone):
 * the service runs the audit callback in the change's transaction; a throwing callback rolls the
 * change back and reaches the caller.
 */
function describeCampaignAudit(name: string, open: () => Promise<Store | null>): void {
  describe(`campaign audit in the change's transaction: ${name}`, () => {
    let kit: Kit | null = null;
    let staff: StaffService;
    beforeAll(async () => {
      const store = await open();
      if (!store) return;
      kit = await openKit(store);
      staff = new StaffService(kit.db, kit.clock);
    });
    afterAll(async () => {
      await kit?.close();
    });
    const k = () => kit!;
    const svc = () => k().module.campaigns;

    const failing: CampaignAudit = async () => {
      throw new Error('audit log down');
    };

    /**
     * An audit callback that checks the change is visible through `trx`, writes the audit row
     * through it and reads the row back inside the transaction.
     */
    function recording(action: string, check: (inTrx: { status: string } | undefined, c: Campaign) => void) {
      const calls: string[] = [];
      const audit: CampaignAudit = async (trx: Db, c: Campaign) => {
        const row = await trx.selectFrom('campaigns').select(['status']).where('id', '=', c.id).executeTakeFirst();
        check(row, c);
        await staff.audit(k().author, action, { type: 'campaign', id: c.id }, { probe: true }, trx);
        const logged = await trx.selectFrom('audit_log').select('action').where('subject_id', '=', c.id).where('action', '=', action).execute();
        expect(logged).toHaveLength(1);
        calls.push(c.id);
      };
      return { audit, calls };
    }

    async function auditRows(id: string, action?: string) {
      let q = k().db.selectFrom('audit_log').selectAll().where('subject_type', '=', 'campaign').where('subject_id', '=', id);
      if (action) q = q.where('action', '=', action);
      return q.execute();
    }

    const status = async (id: string) => (await svc().get(id)).status;

    async function draft(author = k().author): Promise<Campaign> {
      const segment = await k().segments.create({ name: `s-${newId()}`, filter: {} });
      return svc().create({ name: `audit ${newId().slice(0, 8)}`, segmentId: segment.id, channels: ['telegram'], messages: { en: { text: 'Hi {name}' } }, schedule: { at: NOON_UTC.toISOString() } }, author);
    }

    it('create: a failing audit creates nothing; a working one is written with the campaign', async ({ skip }) => {
      if (!kit) return skip();
      const segment = await k().segments.create({ name: `s-${newId()}`, filter: {} });
      const input = { name: `audited ${newId()}`, segmentId: segment.id, channels: ['telegram'], messages: { en: { text: 'x' } }, schedule: { at: NOON_UTC.toISOString() } };
      await expect(svc().create(input, k().author, failing)).rejects.toThrow(/audit log down/);
      expect(await k().db.selectFrom('campaigns').select('id').where('name', '=', input.name).execute()).toEqual([]);

      const { audit, calls } = recording('campaign.create', (row) => expect(row?.status).toBe('draft'));
      const c = await svc().create(input, k().author, audit);
      expect(calls).toEqual([c.id]);
      expect(await k().db.selectFrom('campaigns').select('id').where('name', '=', input.name).execute()).toEqual([{ id: c.id }]);
      const rows = await auditRows(c.id);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ action: 'campaign.create', actor_id: k().author.id });
    });

    it('approve: a failing audit leaves the campaign a draft; a working one is written with the approval', async ({ skip }) => {
      if (!kit) return skip();
      const c = await draft();
      await expect(svc().approve(c.id, k().approver, failing)).rejects.toThrow(/audit log down/);
      expect(await status(c.id)).toBe('draft');
      const { audit, calls } = recording('campaign.approve', (row) => expect(row?.status).toBe('approved'));
      expect((await svc().approve(c.id, k().approver, audit)).status).toBe('approved');
      expect(calls).toEqual([c.id]);
      expect((await auditRows(c.id)).map((r) => r.action)).toEqual(['campaign.approve']);
    });

    it('schedule: a failing audit leaves the campaign approved; a working one is written with the schedule', async ({ skip }) => {
      if (!kit) return skip();
      const c = await draft();
      await svc().approve(c.id, k().approver);
      await expect(svc().schedule(c.id, failing)).rejects.toThrow(/audit log down/);
      expect(await status(c.id)).toBe('approved');
      expect((await svc().get(c.id)).nextFireAt).toBeNull();
      const { audit, calls } = recording('campaign.schedule', (row) => expect(row?.status).toBe('scheduled'));
      expect((await svc().schedule(c.id, audit)).status).toBe('scheduled');
      expect(calls).toEqual([c.id]);
      expect((await auditRows(c.id)).map((r) => r.action)).toEqual(['campaign.schedule']);
    });

    it('pause and resume: a failing audit leaves the status as it was; a working one is written with the move', async ({ skip }) => {
      if (!kit) return skip();
      const c = await draft();
      await svc().approve(c.id, k().approver);
      await svc().schedule(c.id);
      await expect(svc().pause(c.id, failing)).rejects.toThrow(/audit log down/);
      expect(await status(c.id)).toBe('scheduled');
      const paused = recording('campaign.pause', (row) => expect(row?.status).toBe('paused'));
      expect((await svc().pause(c.id, paused.audit)).status).toBe('paused');
      expect(paused.calls).toEqual([c.id]);

      await expect(svc().resume(c.id, failing)).rejects.toThrow(/audit log down/);
      expect(await status(c.id)).toBe('paused');
      const resumed = recording('campaign.resume', (row) => expect(row?.status).toBe('scheduled'));
      expect((await svc().resume(c.id, resumed.audit)).status).toBe('scheduled');
      expect(resumed.calls).toEqual([c.id]);
      expect((await auditRows(c.id)).map((r) => r.action).sort()).toEqual(['campaign.pause', 'campaign.resume']);
    });

    it('cancel: a failing audit leaves the campaign as it was; a working one is written with the cancel', async ({ skip }) => {
      if (!kit) return skip();
      const c = await draft();
      await svc().approve(c.id, k().approver);
      await svc().schedule(c.id);
      await expect(svc().cancel(c.id, failing)).rejects.toThrow(/audit log down/);
      expect(await status(c.id)).toBe('scheduled');
      const { audit, calls } = recording('campaign.cancel', (row) => expect(row?.status).toBe('cancelled'));
      expect((await svc().cancel(c.id, audit)).status).toBe('cancelled');
      expect(calls).toEqual([c.id]);
      expect((await auditRows(c.id)).map((r) => r.action)).toEqual(['campaign.cancel']);
    });

    it('test send: a failing audit queues nothing; a working one is written with the queued message', async ({ skip }) => {
      if (!kit) return skip();
      const c = await draft();
      const queuedFor = (db: Db) => db.selectFrom('outbox').select(['dedupe_key', 'recipient']).where('dedupe_key', 'like', `campaign-test:${c.id}:%`).execute();
      const target = { channel: 'telegram', recipient: `r-${newId().slice(0, 8)}` };
      await expect(svc().testSend(c.id, target, k().author, failing)).rejects.toThrow(/audit log down/);
      expect(await queuedFor(k().db)).toEqual([]);

      const calls: string[] = [];
      const r = await svc().testSend(c.id, target, k().author, async (trx, campaign) => {
        // The test message is queued in the transaction the audit runs in.
        expect(await queuedFor(trx)).toHaveLength(1);
        await staff.audit(k().author, 'campaign.test_send', { type: 'campaign', id: campaign.id }, { channel: target.channel }, trx);
        expect(await trx.selectFrom('audit_log').select('action').where('subject_id', '=', campaign.id).execute()).toEqual([{ action: 'campaign.test_send' }]);
        calls.push(campaign.id);
      });
      expect(r.queued).toBe(true);
      expect(calls).toEqual([c.id]);
      expect(await queuedFor(k().db)).toEqual([{ dedupe_key: r.dedupeKey, recipient: target.recipient }]);
      const rows = await auditRows(c.id);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ action: 'campaign.test_send', detail: { channel: 'telegram' } });
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'patron-campaign-audit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeCampaignAudit('PGlite (embedded)', () => openStore({ dataDir: dir }));
describeCampaignAudit('PostgreSQL server', async () => {
  if (!requirePostgres()) return null;
  return openStore({ databaseUrl: await freshDatabase('campaign_audit') });
});

describe('campaign audit through the API', () => {
  const data = tempDataDir('patron-campaign-audit-api-');
  let app: CampaignApp;
  const admin = 'admin-token-0123456789';
  beforeAll(async () => {
    app = await startCampaignApp({ DATA_DIR: data.dir, ADMIN_TOKEN: admin, CAMPAIGN_QUIET_HOURS: 'off', DEMO_DATA: 'false' }, { jobs: false });
  });
  afterAll(async () => {
    await app?.app.stop();
    data.cleanup();
  });

  it('POST /api/campaigns leaves exactly one campaign.create audit row, with name and segment', async () => {
    const base = `${app.app.url}/api`;
    const segmentId = (await app.app.crm.segments.create({ name: 'audit-api', filter: {} })).id;
    const res = await postJson(`${base}/campaigns`, { name: 'Audited', segmentId, channels: ['telegram'], messages: { en: { text: 'Hi' } }, schedule: { at: new Date().toISOString() } }, { authorization: `Bearer ${admin}` });
    expect(res.status).toBe(201);
    const rows = await app.app.store.db.selectFrom('audit_log').selectAll().where('subject_id', '=', res.body.id).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: 'campaign.create', subject_type: 'campaign', detail: { name: 'Audited', segmentId } });
  });
});
