import { Router } from 'express';
import { z } from 'zod';
import type { LoyaltyService } from '../../../crm/loyalty/loyalty.service.js';
import type { ApiRegistry } from '../../openapi/registry.js';
import { boolParam } from '../../openapi/query.js';

const listQuery = z.object({ active: boolParam.optional() });

/**
 * Rewards, read-only: the loyalty module mirrors config/rewards.json into the table at every
 * start, so a change made here would silently disappear on the next restart.
 */
export function rewardsRoutes(reg: ApiRegistry, deps: { loyalty: Pick<LoyaltyService, 'rewards'> }): Router {
  const router = Router();
  reg.route(
    router,
    {
      method: 'get', path: '/rewards', tag: 'rewards', access: ['admin'], query: listQuery, summary: 'List rewards',
      description: 'Read-only: rewards come from config/rewards.json (synced at start).',
      response: { description: '`{items, total}`' },
    },
    async ({ query }) => {
      const all = await deps.loyalty.rewards();
      const items = query.active === undefined ? all : all.filter((r) => r.active === query.active);
      return { items, total: items.length };
    },
  );
  return router;
}
