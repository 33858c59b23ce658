import { join } from 'node:path';
import { Router, type RequestHandler } from 'express';
import type { Crm } from '../../../composition/crm.wiring.js';
import { CONFIG_DIR } from '../../../core/config.js';
import { CustomerDirectoryRepository } from '../../../crm/reports/customer-directory.repository.js';
import { FaqFileStore } from '../../../crm/reports/faq-file.store.js';
import { IntentAdminService } from '../../../crm/reports/intent-admin.service.js';
import { ReportService } from '../../../crm/reports/report.service.js';
import type { StaffService } from '../../../crm/staff/staff.service.js';
import type { IntentClassifier } from '../../../flows/understand.js';
import type { Db } from '../../../storage/database.js';
import { authenticate } from '../../auth.js';
import { describeOtherRoutes } from '../../openapi/described-routes.js';
import { buildOpenApiDocument, type OpenApiDocument } from '../../openapi/document.js';
import { ApiRegistry } from '../../openapi/registry.js';
import { customersRoutes } from './customers.routes.js';
import { faqRoutes } from './faq.routes.js';
import { intentsRoutes } from './intents.routes.js';
import { productsRoutes } from './products.routes.js';
import { reportsRoutes } from './reports.routes.js';
import { rewardsRoutes } from './rewards.routes.js';
import { segmentsRoutes } from './segments.routes.js';
import { ticketsRoutes } from './tickets.routes.js';

export interface AdminApiDeps {
  db: Db;
  crm: Pick<Crm, 'clock' | 'customers' | 'consent' | 'loyalty' | 'tickets' | 'segments' | 'catalog'>;
  staff: StaffService;
  /** Folder of faq.json (default: the repository's config/). */
  configDir?: string;
  /** Overrides `<configDir>/faq.json`. */
  faqPath?: string;
  /** Shipped training phrases (default: config/intents, as the built-in model uses). */
  intentsDir?: string;
  /** Time zone for per-day report buckets (default UTC). */
  timezone?: string;
  /** Receives each retrained intent model; wire it to the pipeline's classifier. */
  setClassifier?: (engine: IntentClassifier) => void;
  /** The classifier in use at start (answers POST /api/intents/classify before a retrain). */
  classifier?: IntentClassifier;
  /** Other teams' routers (conversations, campaigns): paths relative to /api, mounted behind bearer auth. */
  extraRouters?: Router[];
  /** Describe the conversations and campaigns routes of DESIGN §4 in the OpenAPI document (default true). */
  describeExternal?: boolean;
}

export interface AdminApi {
  /** Everything: `GET /api/openapi.json` (public) and the authenticated `/api/*` resources. */
  router: Router;
  /** Only `GET /api/openapi.json`, for mounting ahead of routers that authenticate all of /api. */
  publicRouter: Router;
  registry: ApiRegistry;
  intents: IntentAdminService;
  reports: ReportService;
  openApi(): OpenApiDocument;
}

/** The admin API router (see {@link buildAdminApi}). */
export function adminApiRouter(deps: AdminApiDeps): Router {
  return buildAdminApi(deps).router;
}

/**
 * Builds the admin API: customers, tickets, segments, products, rewards, faq, intents and reports,
 * plus any extra routers, each route documented in one registry that `/api/openapi.json` renders.
 * Safe to mount before or after the staff routes; mount it before them so the document is public.
 */
export function buildAdminApi(deps: AdminApiDeps): AdminApi {
  const { crm, staff, db } = deps;
  const signedIn = ensureStaff(staff);
  const registry = new ApiRegistry(signedIn);
  const intents = new IntentAdminService({ db, intentsDir: deps.intentsDir, setClassifier: deps.setClassifier, classifier: deps.classifier });
  const reports = new ReportService({ db, clock: crm.clock, loyalty: crm.loyalty, timezone: deps.timezone });
  const faqStore = new FaqFileStore(deps.faqPath ?? join(deps.configDir ?? CONFIG_DIR, 'faq.json'));

  const api = Router();
  api.use(customersRoutes(registry, { customers: crm.customers, consent: crm.consent, loyalty: crm.loyalty, directory: new CustomerDirectoryRepository(db), staff }));
  api.use(ticketsRoutes(registry, { tickets: crm.tickets }));
  api.use(segmentsRoutes(registry, { segments: crm.segments, staff }));
  api.use(productsRoutes(registry, { catalog: crm.catalog, staff }));
  api.use(rewardsRoutes(registry, { loyalty: crm.loyalty }));
  api.use(faqRoutes(registry, { db, store: faqStore, staff }));
  api.use(intentsRoutes(registry, { intents, staff }));
  api.use(reportsRoutes(registry, { reports }));

  registry.describe({ method: 'get', path: '/openapi.json', tag: 'meta', access: 'public', summary: 'This OpenAPI 3.1 document', response: { description: 'The document' } });
  describeOtherRoutes(registry, { external: deps.describeExternal });
  if (deps.extraRouters?.length) {
    // Other teams' routers expect bearer auth to have run; public paths (sign-in) pass untouched.
    const guard: RequestHandler = (req, res, next) => (registry.isPublic(req.method, req.path) ? next() : signedIn(req, res, next));
    const extra = Router();
    extra.use(guard);
    for (const r of deps.extraRouters) extra.use(r);
    api.use(extra);
  }

  let document: OpenApiDocument | undefined;
  const openApi = () => (document ??= buildOpenApiDocument(registry));
  const publicRouter = Router();
  publicRouter.get('/api/openapi.json', (_req, res) => {
    res.setHeader('cache-control', 'public, max-age=60');
    res.json(openApi());
  });
  const router = Router();
  router.use(publicRouter);
  router.use('/api', api);
  return { router, publicRouter, registry, intents, reports, openApi };
}

/** Bearer authentication, skipped when an earlier router (the staff routes) already signed the request in. */
function ensureStaff(staff: StaffService): RequestHandler {
  const auth = authenticate(staff);
  return (req, res, next) => (req.staff ? next() : auth(req, res, next));
}
