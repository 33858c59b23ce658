import type { Router } from 'express';
import type { Logger } from '../../core/logger.js';
import { slackRoutes } from '../../http/routes/slack.routes.js';
import type { InboundHandler } from '../channel-adapter.js';
import { SlackAdapter } from './slack.adapter.js';

/** The environment the Slack channel reads (a subset of the validated Env, plus SLACK_APP_TOKEN). */
export interface SlackEnv {
  SLACK_BOT_TOKEN?: string;
  SLACK_SIGNING_SECRET?: string;
  SLACK_API_URL?: string;
  /** App-level token (`xapp-…`): Socket Mode instead of the Events API. */
  SLACK_APP_TOKEN?: string;
}

export interface SlackChannel {
  adapter: SlackAdapter;
  /** Mount BEFORE the JSON body parser (main.ts `rawRouters`): bolt verifies the signature over the raw body. Empty in Socket Mode. */
  routes: Router[];
}

/**
 * Builds the Slack channel from the environment, or null when it is not configured
 * (no SLACK_BOT_TOKEN, or neither SLACK_SIGNING_SECRET for the Events API nor SLACK_APP_TOKEN for Socket Mode).
 */
export function buildSlackChannel(deps: { env: SlackEnv; handle: InboundHandler; log: Logger }): SlackChannel | null {
  const { env } = deps;
  const botToken = env.SLACK_BOT_TOKEN?.trim();
  const signingSecret = env.SLACK_SIGNING_SECRET?.trim() || undefined;
  const appToken = env.SLACK_APP_TOKEN?.trim() || undefined;
  if (!botToken || (!signingSecret && !appToken)) return null;
  const adapter = new SlackAdapter({
    botToken, signingSecret, appToken, apiUrl: env.SLACK_API_URL?.trim() || undefined,
    handle: deps.handle, log: deps.log.child({ channel: 'slack' }),
  });
  const handler = adapter.requestHandler;
  return { adapter, routes: handler ? [slackRoutes(handler)] : [] };
}
