import { Router, type Request } from 'express';
import { z } from 'zod';
import { AppError } from '../../../core/errors.js';
import type { CampaignAudit, CampaignService } from '../../../crm/campaigns/campaign.service.js';
import { CAMPAIGN_STATUSES, createCampaignSchema, type Campaign } from '../../../crm/campaigns/campaign.types.js';
import type { StaffService } from '../../../crm/staff/staff.service.js';
import type { StaffPrincipal } from '../../../crm/staff/staff.types.js';
import { requireRole } from '../../auth.js';
import { parseBody } from '../../validate.js';

export interface CampaignsRoutesDeps {
  campaigns: CampaignService;
  /** For the audit log (who created, approved, paused … which campaign). */
  staff?: Pick<StaffService, 'audit'>;
}

const listQuery = z.object({
  status: z.enum(CAMPAIGN_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
  before: z.string().max(64).optional(),
});
const previewBody = z.object({ sampleSize: z.number().int().min(1).max(50).optional() }).optional();
const testSendBody = z.strictObject({
  channel: z.string().trim().min(1).max(40),
  /** The staff member's own address or chat id on that channel. */
  recipient: z.string().trim().min(1).max(320),
  locale: z.string().max(10).optional(),
});

function who(req: Request): StaffPrincipal {
  if (!req.staff) throw new AppError('unauthorized', 'not signed in');
  return req.staff;
}

/**
 * Campaign admin API (mount under `/api` after bearer authentication): marketers and admins
 * create, schedule and follow campaigns; approval needs an admin other than the author.
 */
export function campaignsRoutes(deps: CampaignsRoutesDeps): Router {
  const { campaigns } = deps;
  const router = Router();
  // The audit row is written in the transaction of the change it records (a crash loses neither alone).
  const audit = (req: Request, action: string, id?: string, detail?: (c: Campaign) => unknown): CampaignAudit | undefined => {
    const { staff } = deps;
    if (!staff) return undefined;
    const actor = who(req);
    return (trx, c) => staff.audit(actor, `campaign.${action}`, { type: 'campaign', id: id ?? c.id }, detail?.(c), trx);
  };
  router.use('/campaigns', requireRole('marketer'));

  router.post('/campaigns', async (req, res) => {
    const body = parseBody(createCampaignSchema, req.body);
    const created = await campaigns.create(body, who(req), audit(req, 'create', undefined, (c) => ({ name: c.name, segmentId: c.segmentId })));
    res.status(201).json(created);
  });
  router.get('/campaigns', async (req, res) => {
    const q = parseBody(listQuery, req.query, 'query');
    res.json(await campaigns.list(q));
  });
  router.get('/campaigns/:id', async (req, res) => {
    res.json(await campaigns.get(req.params.id));
  });
  router.post('/campaigns/:id/approve', requireRole('admin'), async (req, res) => {
    res.json(await campaigns.approve(String(req.params.id), who(req), audit(req, 'approve')));
  });
  for (const action of ['schedule', 'pause', 'resume', 'cancel'] as const) {
    router.post(`/campaigns/:id/${action}`, async (req, res) => {
      res.json(await campaigns[action](String(req.params.id), audit(req, action)));
    });
  }
  router.post('/campaigns/:id/preview', async (req, res) => {
    const body = parseBody(previewBody, req.body ?? undefined);
    res.json(await campaigns.preview(req.params.id, body?.sampleSize));
  });
  router.post('/campaigns/:id/test-send', async (req, res) => {
    const body = parseBody(testSendBody, req.body);
    const r = await campaigns.testSend(req.params.id, body, who(req), audit(req, 'test_send', req.params.id, () => ({ channel: body.channel })));
    res.status(202).json(r);
  });
  router.get('/campaigns/:id/results', async (req, res) => {
    if (req.query.format === 'csv') {
      const csv = await campaigns.resultsCsv(req.params.id);
      res.type('text/csv; charset=utf-8').attachment(`campaign-${req.params.id}-results.csv`).send(csv);
      return;
    }
    res.json(await campaigns.results(req.params.id));
  });
  return router;
}
