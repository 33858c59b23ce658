import { Router, type NextFunction, type Request, type Response } from 'express';
import { buildEmailChannel } from '../../../../src/channels/email/email.adapter.js';
import { Translator } from '../../../../src/core/i18n.js';
import { buildCampaignModule, type CampaignModule, type CampaignPolicy } from '../../../../src/crm/campaigns/index.js';
import { authenticate } from '../../../../src/http/auth.js';
import { campaignsRoutes } from '../../../../src/http/routes/api/campaigns.routes.js';
import { unsubscribeRoutes } from '../../../../src/http/routes/unsubscribe.routes.js';
import { startApp, type App, type AppOptions } from '../../../../src/main.js';

export interface CampaignApp {
  app: App;
  campaigns: CampaignModule;
}

/**
 * Starts the real app with campaigns wired the way main.ts / crm.wiring.ts will wire them (the
 * e-mail channel from SMTP_URL, `/api/campaigns…` behind bearer auth, `/unsubscribe`, the two
 * scheduler jobs). Built after start because the module needs the app's services.
 */
export async function startCampaignApp(env: Record<string, string>, options: Omit<AppOptions, 'env'> & { policy?: Partial<CampaignPolicy>; triggerCron?: string; deliverCron?: string; jobs?: boolean } = {}): Promise<CampaignApp> {
  let inner: Router | null = null;
  const late = Router();
  late.use((req: Request, res: Response, next: NextFunction) => (inner ? inner(req, res, next) : next()));
  const fullEnv: Record<string, string | undefined> = { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env };
  const app = await startApp({
    ...options,
    env: fullEnv,
    extraChannels: () => {
      const email = buildEmailChannel(fullEnv);
      return email ? [email] : [];
    },
    extraRouters: () => ({ routers: [late] }),
  });
  const translator = Translator.fromConfig(app.config.configDir, app.config.env.DEFAULT_LOCALE);
  const campaigns = await buildCampaignModule({
    db: app.store.db, clock: app.crm.clock, log: app.log.child({ part: 'campaigns' }), translator, segments: app.crm.segments, consent: app.crm.consent,
    outbox: app.repos.outbox, wake: () => void app.sender.wakeAll(), policy: { ...(fullEnv.PUBLIC_URL ? {} : { publicUrl: app.url }), ...options.policy }, triggerCron: options.triggerCron, deliverCron: options.deliverCron,
    env: fullEnv,
  });
  const api = Router();
  api.use(authenticate(app.staff));
  api.use(campaignsRoutes({ campaigns: campaigns.campaigns, staff: app.staff }));
  const root = Router();
  root.use(unsubscribeRoutes({ tokens: campaigns.tokens, consent: app.crm.consent, translator }));
  root.use('/api', api);
  inner = root;
  if (options.jobs !== false) for (const job of campaigns.jobs) app.scheduler.add(job);
  return { app, campaigns };
}
