import express, { type Express, type RequestHandler } from 'express';
import { AppError } from '../core/errors.js';
import { join } from 'node:path';
import { ROOT_DIR } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import { errorHandler, notFound } from './error-handler.js';
import { securityHeaders } from './security-headers.js';
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
  /** express `trust proxy` setting (TRUST_PROXY): 'loopback' by default, e.g. 'uniquelocal' behind a container proxy. */
  trustProxy?: string;
}

// PostgreSQL cannot store NUL characters: a path or query carrying one would fail deep in a query.
const NUL = /\u0000|%00/i;
const rejectNulInUrl: RequestHandler = (req, _res, next) => {
  if (NUL.test(req.url)) throw new AppError('bad_request', 'the URL contains a NUL character');
  next();
};

/** Largest JSON body accepted anywhere (a chat message is at most 4,000 characters). */
export const JSON_LIMIT = '256kb';

// JSON can carry NUL (\u0000) and unpaired surrogates (\ud800) only as escapes; PostgreSQL text and
// jsonb refuse both, which surfaced as 500s deep in a query. They become U+FFFD before any handler
// runs (signatures are checked on the untouched raw body).
const UNSTORABLE_ESCAPE = /\\u(?:0000|[dD][89abAB][0-9a-fA-F]{2}|[dD][c-fC-F][0-9a-fA-F]{2})/;
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const MAX_CLEAN_DEPTH = 64;

const storableBody: RequestHandler = (req, _res, next) => {
  const raw = (req as unknown as { rawBody?: Buffer }).rawBody;
  if (!raw || !raw.includes('\\u') || !UNSTORABLE_ESCAPE.test(raw.toString('latin1'))) return next();
  req.body = storable(req.body, 0);
  next();
};

function storable(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return value.replace(UNSTORABLE, '\ufffd');
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_CLEAN_DEPTH) throw new AppError('bad_request', `request body is nested more than ${MAX_CLEAN_DEPTH} levels deep`);
  if (Array.isArray(value)) return value.map((v) => storable(v, depth + 1));
  // fromEntries defines own properties, so a "__proto__" key stays a plain key.
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [storable(k, depth + 1), storable(v, depth + 1)]));
}

/** The express app: health, feature routes, static pages, then JSON 404 and the error handler. */
export function createHttpApp(deps: HttpAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // Which proxies' X-Forwarded-For to believe (client IPs for rate limits and logs).
  app.set('trust proxy', deps.trustProxy ?? 'loopback');
  app.use(securityHeaders());
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
  app.use(storableBody);
  app.use(rejectNulInUrl);
  app.use(healthRoutes(deps.readiness, deps.metrics, deps.beforeScrape));
  for (const router of deps.routers) app.use(router);
  app.use(express.static(join(ROOT_DIR, 'web'), { index: 'index.html', maxAge: '5m' }));
  app.use(notFound);
  app.use(errorHandler(deps.log));
  return app;
}
