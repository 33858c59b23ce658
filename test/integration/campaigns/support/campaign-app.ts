import { createServer } from 'node:net';
import type { CampaignModule, CampaignPolicy } from '../../../../src/crm/campaigns/index.js';
import { startApp, type App, type AppOptions } from '../../../../src/main.js';

export interface CampaignApp {
  app: App;
  campaigns: CampaignModule;
}

/** A free TCP port on 127.0.0.1 (so PUBLIC_URL can name the app's own address before it starts). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts the real app with campaigns wired by startApp / crm.wiring.ts exactly as in production
 * (e-mail channel from SMTP_URL, `/api/campaigns…`, `/unsubscribe`, the scheduler jobs), with the
 * test's policy overrides and job schedules passed through `options.campaigns`.
 */
export async function startCampaignApp(env: Record<string, string>, options: Omit<AppOptions, 'env'> & { policy?: Partial<CampaignPolicy>; triggerCron?: string; deliverCron?: string; jobs?: boolean } = {}): Promise<CampaignApp> {
  const { policy, triggerCron, deliverCron, jobs, ...appOptions } = options;
  const port = env.PORT && env.PORT !== '0' ? env.PORT : String(await freePort());
  const fullEnv: Record<string, string | undefined> = { HOST: '127.0.0.1', LOG_LEVEL: 'silent', PUBLIC_URL: `http://127.0.0.1:${port}`, ...env, PORT: port };
  const app = await startApp({ ...appOptions, env: fullEnv, campaigns: { policy, triggerCron, deliverCron, jobs } });
  return { app, campaigns: app.crm.campaigns };
}
