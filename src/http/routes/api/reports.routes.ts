import { Router } from 'express';
import { z } from 'zod';
import type { ReportService } from '../../../crm/reports/report.service.js';
import type { ApiRegistry } from '../../openapi/registry.js';
import { limitParam } from '../../openapi/query.js';
import { isTimeZone } from '../../../core/time-zone.js';

const days = (fallback: number) => z.coerce.number().int('must be a whole number').min(1).max(366).default(fallback);
const overviewQuery = z.object({
  days: days(30),
  timezone: z.string().max(64).refine(isTimeZone, 'must be an IANA time zone like Europe/Berlin').optional().describe('for grouping by day (default TZ, else UTC)'),
});
const unrecognisedQuery = z.object({ limit: limitParam(500, 50), days: days(30) });

/** Dashboard reports (SQL aggregates). */
export function reportsRoutes(reg: ApiRegistry, deps: { reports: ReportService }): Router {
  const router = Router();
  reg.route(
    router,
    {
      method: 'get', path: '/reports/overview', tag: 'reports', access: ['admin'], query: overviewQuery, summary: 'Conversations, intents, loyalty, tickets and campaigns over the last days',
      response: { description: '`{conversationsPerChannelPerDay, intentMix, fallbackRate, membersByTier, points, ticketsByStatus, slaBreaches, campaignFunnel, repeatPurchaseRate, churnRisk}`' },
    },
    async ({ query }) => deps.reports.overview({ days: query.days, timezone: query.timezone }),
  );
  reg.route(
    router,
    {
      method: 'get', path: '/reports/unrecognised', tag: 'reports', access: ['admin'], query: unrecognisedQuery, summary: 'Messages the bot did not understand, most frequent first',
      description: 'Texts already added as training phrases are left out. Add them with POST /api/intents/{name}/phrases.',
      response: { description: '`{items: [{text, locale, at, count}]}`' },
    },
    async ({ query }) => ({ items: await deps.reports.unrecognised(query) }),
  );
  return router;
}
