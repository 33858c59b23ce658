/**
 * The app with campaigns, as a child process for the crash test: `node bin/run-ts.js <this file>`.
 * Reads the usual environment; the campaign jobs run every second so the test does not wait.
 */
import { closeAbandonedCampaignSends } from '../../../../src/crm/campaigns/campaign-worker.js';
import { openStore } from '../../../../src/storage/database.js';
import { startCampaignApp } from './campaign-app.js';

// In the real wiring buildCrm (and so buildCampaignModule) runs before the outbox sender starts;
// this helper builds campaigns after start, so it does that step first on its own connection.
if (process.env.DATABASE_URL) {
  const store = await openStore({ databaseUrl: process.env.DATABASE_URL });
  await closeAbandonedCampaignSends(store.db).catch(() => 0);
  await store.close();
}

const { app } = await startCampaignApp(process.env as Record<string, string>, { triggerCron: '* * * * * *', deliverCron: '* * * * * *' });
process.stdout.write(`campaign app listening on ${app.url}\n`);
const stop = () => void app.stop().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
