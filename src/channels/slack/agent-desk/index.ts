import type { Router } from 'express';
import type { Logger } from '../../../core/logger.js';
import type { HandoffQueueService } from '../../../crm/handoff/handoff-queue.service.js';
import type { Coordination } from '../../../storage/coordination.js';
import type { Db } from '../../../storage/database.js';
import type { SlackAdapter } from '../slack.adapter.js';
import { DeskActions } from './slack-desk.actions.js';
import { DeskMirror, type DeskMirrorOptions } from './slack-desk.mirror.js';
import { SlackDeskRepository } from './slack-desk.repository.js';

export { LINK_FIRST } from './slack-desk.actions.js';
export type { DeskMirrorOptions } from './slack-desk.mirror.js';
export { CLAIM_LEASE_MS, SlackDeskRepository } from './slack-desk.repository.js';
export type { MirrorItem, ThreadSummary } from './slack-desk.types.js';

export interface SlackAgentDeskDeps {
  db: Db;
  coordination: Coordination;
  handoff: HandoffQueueService;
  /** The Slack customer channel's adapter: the desk adds its listeners to the same bolt app and endpoint. */
  adapter: Pick<SlackAdapter, 'bolt'>;
  botToken: string;
  /** SLACK_AGENT_CHANNEL: the channel id (`C…`) the bot is a member of. */
  channelId: string;
  log: Logger;
  /** Claim lease and catch-up cadence of the mirror (defaults: 2 min lease, a pass every minute); tests shorten them. */
  mirror?: DeskMirrorOptions;
}

export interface SlackAgentDesk {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Nothing extra to mount: events, `/patron` and the buttons arrive on the channel's `POST /slack/events`. */
  routes: Router[];
  /** Mirrors one conversation now (catch-up after an outage; tests). */
  refresh(conversationId: string): Promise<void>;
  /**
   * Runs one catch-up pass over the active threads now. `start` already runs one and then one
   * every `mirror.catchUpMs` until `stop`; this is for tests and operators.
   */
  catchUp(): Promise<void>;
}

/**
 * Slack as an agent desk: every handed-off conversation (any channel) becomes a thread in
 * `channelId`, replies in the thread go to the customer as agent messages, and the thread's
 * buttons and `/patron` claim, release, hand back and resolve. State (thread ↔ conversation,
 * posted items, Slack user ↔ staff links) lives in the database, so it survives restarts and
 * works across instances; `start` also runs the mirror's catch-up (at once, then periodically,
 * until `stop`), which repairs what a crash or a missed event left out.
 */
export function buildSlackAgentDesk(deps: SlackAgentDeskDeps): SlackAgentDesk {
  const repo = new SlackDeskRepository(deps.db);
  const client = deps.adapter.bolt.client;
  const log = deps.log;
  const mirror = new DeskMirror({
    repo, client, token: deps.botToken, channelId: deps.channelId, coordination: deps.coordination, log,
    conversationKey: async (id) => {
      const row = await deps.db.selectFrom('conversations').select(['channel', 'external_id']).where('id', '=', id).executeTakeFirst();
      return row && { channel: row.channel, externalId: row.external_id };
    },
  }, deps.mirror);
  const actions = new DeskActions({ repo, client, token: deps.botToken, channelId: deps.channelId, handoff: deps.handoff, log });
  actions.register(deps.adapter.bolt);
  return {
    routes: [],
    refresh: (id) => mirror.refresh(id, 'conversation.queued'),
    catchUp: () => mirror.catchUp(),
    start: async () => {
      await mirror.start();
      actions.running = true;
    },
    stop: async () => {
      actions.running = false;
      await mirror.stop();
    },
  };
}
