import express, { type Express } from 'express';
import { join } from 'node:path';
import { ROOT_DIR } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import { errorHandler, notFound } from './error-handler.js';
import { healthRoutes, type ReadinessCheck } from './routes/health.routes.js';
import type { Router } from 'express';

export interface HttpAppDeps {
  log: Logger;
  metrics: Metrics;
  readiness: ReadinessCheck[];
  /** Feature routers mounted in order (web chat, webhooks, admin API …). */
  routers: Router[];
  /** Routers that must see the unparsed request stream (e.g. bolt's receiver), mounted before the JSON parser. */
  rawRouters?: Router[];
  beforeScrape?: () => Promise<void>;
}

/** Largest JSON body accepted anywhere (a chat message is at most 4,000 characters). */
export const JSON_LIMIT = '256kb';

/** The express app: health, feature routes, static pages, then JSON 404 and the error handler. */
export function createHttpApp(deps: HttpAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  for (const router of deps.rawRouters ?? []) app.use(router);
  // Raw body kept for signature checks (shop webhook, Slack) before JSON parsing.
  app.use(
    express.json({
      limit: JSON_LIMIT,
      strict: true,
      verify: (req, _res, buf) => {
        (req as unknown as { rawBody: Buffer }).rawBody = buf;
      },
    }),
  );
  app.use(healthRoutes(deps.readiness, deps.metrics, deps.beforeScrape));
  for (const router of deps.routers) app.use(router);
  app.use(express.static(join(ROOT_DIR, 'web'), { index: 'index.html', maxAge: '5m' }));
  app.use(notFound);
  app.use(errorHandler(deps.log));
  return app;
}
