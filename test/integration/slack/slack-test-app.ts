/**
 * One Patron instance with the Slack channel against the fake Web API, for a test file:
 * the real `startApp` (PGlite in a temp DATA_DIR), the Slack routes mounted raw (before the JSON parser).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SlackChannel } from '../../../src/channels/slack/slack.channel.js';
import { startApp, type App } from '../../../src/main.js';
import { FakeSlackApi } from '../../fakes/slack-api.fake.js';

export const SIGNING_SECRET = 'slack-test-signing-secret-0123456789';
export const BOT_TOKEN = 'xoxb-0000-test-token';

// Keeps these tests independent of the NLU model other work is tuning.
const classifier = {
  classify: (t: string) => (/\b(hi|hello)\b|你好/i.test(t) ? { intent: 'greeting', confidence: 0.99 } : { intent: 'oos', confidence: 0.1 }),
};

export interface SlackTestApp {
  app: App;
  fake: FakeSlackApi;
  slack: SlackChannel;
  eventsUrl: string;
  stop(): Promise<void>;
}

export async function startSlackTestApp(): Promise<SlackTestApp> {
  const fake = await FakeSlackApi.start({ token: BOT_TOKEN });
  const dataDir = mkdtempSync(join(tmpdir(), 'patron-slack-'));
  // Configured the way an operator does it: through the environment, wired by startApp.
  const app = await startApp({
    env: { DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent', SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: fake.url },
    classifier,
  });
  const adapter = app.channels.get('slack') as SlackChannel['adapter'] | undefined;
  if (!adapter) throw new Error('Slack channel was not built');
  const built: SlackChannel = { adapter, routes: [] };
  await until(() => built.adapter.health().ok, 5000, 'Slack adapter to pass auth.test');
  return {
    app, fake, slack: built, eventsUrl: `${app.url}/slack/events`,
    stop: async () => {
      await app.stop();
      await fake.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it is true; fails naming `what`. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
