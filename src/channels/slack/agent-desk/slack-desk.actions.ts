import type { App as BoltApp } from '@slack/bolt';
import { AppError } from '../../../core/errors.js';
import type { Logger } from '../../../core/logger.js';
import type { Actor } from '../../../crm/handoff/handoff.types.js';
import type { HandoffQueueService } from '../../../crm/handoff/handoff-queue.service.js';
import { fromSlackText, type SlackBlockActions, type SlackMessageEvent } from '../slack-inbound.js';
import { DESK_ACTION, USAGE, type DeskAction } from './slack-desk-blocks.js';
import type { SlackDeskRepository } from './slack-desk.repository.js';
import type { DeskStaff } from './slack-desk.types.js';

export interface DeskActionsDeps {
  repo: SlackDeskRepository;
  client: BoltApp['client'];
  token: string;
  channelId: string;
  handoff: HandoffQueueService;
  log: Logger;
}

export const LINK_FIRST = 'Link your Patron account first: your Slack e-mail must match the e-mail of a Patron agent account. Nothing was sent to the customer.';
// Agent replies: plain messages, files with a caption, and replies also sent to the channel.
const REPLY_SUBTYPES = new Set([undefined, 'file_share', 'thread_broadcast']);
const ACK_BUDGET_MS = 2_000;
const VERBS: Record<string, DeskAction> = { claim: 'claim', take: 'claim', handback: 'handback', 'hand-back': 'handback', back: 'handback', release: 'release', requeue: 'release', resolve: 'resolve', close: 'resolve', done: 'resolve' };

/**
 * What agents do in Slack: replies in a hand-off thread go to the customer as agent messages;
 * `/patron <verb> <conversation id>` and the parent message's buttons claim, release, hand back
 * or resolve. Every answer to the agent is ephemeral; nothing here ever echoes to the customer
 * except a reply by the agent who holds the conversation.
 */
export class DeskActions {
  running = false;

  constructor(private readonly deps: DeskActionsDeps) {}

  /** Adds the listeners to the Slack channel's bolt app (they idle while the desk is stopped). */
  register(bolt: BoltApp): void {
    const log = this.deps.log;
    bolt.event('message', async ({ event }) => {
      if (!this.running) return;
      // A redelivery is harmless (the reply's ts is its idempotency key), so a slow one just goes on after the ack.
      await withinBudget(this.onThreadReply(event as SlackMessageEvent).catch((err: unknown) => log.error({ err }, 'slack desk reply failed')));
    });
    bolt.command('/patron', async ({ command, ack }) => {
      if (!this.running) return ack({ response_type: 'ephemeral', text: 'The Patron agent desk is not running on this instance.' });
      const [verb = '', id = ''] = command.text.trim().split(/\s+/);
      const action = VERBS[verb.toLowerCase()];
      if (!action || !id) return ack({ response_type: 'ephemeral', text: USAGE });
      const work = this.perform(action, id, command.user_id).catch((err: unknown) => {
        log.error({ err }, 'slack desk command failed');
        return `Could not ${verbText(action)}: something went wrong on our side; try again.`;
      });
      const text = await withinBudget(work);
      if (text !== undefined) return ack({ response_type: 'ephemeral', text });
      // Slack gives a command 3 s: past the budget the answer follows as an ephemeral message.
      await ack({ response_type: 'ephemeral', text: `Working on it: ${verbText(action)} ${id}…` });
      void work.then((late) => this.notice(command.user_id, undefined, late, command.channel_id));
    });
    bolt.action(DESK_ACTION, async ({ ack, body, action }) => {
      await ack();
      const press = body as unknown as SlackBlockActions;
      const user = press.user?.id;
      const channel = press.channel?.id ?? press.container?.channel_id;
      const pressed = action as { action_id?: string; value?: string };
      const verb = DESK_ACTION.exec(pressed.action_id ?? '')?.[1] as DeskAction | undefined;
      if (!this.running || !user || !verb || !pressed.value || channel !== this.deps.channelId) return;
      const done = this.perform(verb, pressed.value, user)
        .then((text) => this.notice(user, press.container?.message_ts ?? press.message?.ts, text))
        .catch((err: unknown) => log.error({ err }, 'slack desk button failed'));
      await withinBudget(done);
    });
  }

  /** A reply in a hand-off thread: to the customer, if the Slack user is the agent holding it. */
  async onThreadReply(event: SlackMessageEvent): Promise<void> {
    const { repo, channelId } = this.deps;
    if (event.type !== 'message' || event.channel !== channelId || !event.thread_ts || event.thread_ts === event.ts || !event.ts) return;
    // Edits, deletions, joins, bots (Patron's own mirror posts included) never reach a customer.
    if (!REPLY_SUBTYPES.has(event.subtype) || event.bot_id || !event.user) return;
    const thread = await repo.threadByTs(channelId, event.thread_ts);
    if (!thread) return;
    const text = fromSlackText(event.text ?? '').trim();
    if (!text) return;
    const staff = await this.staffOf(event.user);
    if (!staff) return this.notice(event.user, event.thread_ts, LINK_FIRST);
    const conversationId = thread.conversationId;
    // The agent's own Slack message already is in the thread: claimed here so the mirror skips it.
    const key = `out:agent:${conversationId}:${staff.id}:${event.ts}`;
    const fresh = await repo.claimItem(conversationId, key, event.ts);
    try {
      await this.deps.handoff.sendAsAgent(conversationId, actorOf(staff), text, event.ts);
    } catch (err) {
      if (fresh) await repo.releaseItem(key);
      if (!(err instanceof AppError) || (err.code !== 'conflict' && err.code !== 'not_found')) throw err;
      const hint = err.code === 'conflict' ? `You don't hold this conversation: press *Claim* on the first message of the thread (or \`/patron claim ${conversationId}\`) first.` : `This conversation no longer exists.`;
      return this.notice(event.user, event.thread_ts, `${hint} Your message did not reach the customer.`);
    }
  }

  /** Runs a claim / release / hand-back / resolve for a Slack user; returns the line to show them. */
  async perform(action: DeskAction, conversationId: string, slackUserId: string): Promise<string> {
    const staff = await this.staffOf(slackUserId);
    if (!staff) return LINK_FIRST;
    const actor = { ...actorOf(staff), via: 'slack' };
    const h = this.deps.handoff;
    try {
      if (action === 'claim') await h.claim(conversationId, actor);
      else if (action === 'release') await h.release(conversationId, actor);
      else if (action === 'handback') await h.handBack(conversationId, actor);
      else await h.resolve(conversationId, actor);
    } catch (err) {
      if (!(err instanceof AppError) || !['conflict', 'not_found', 'forbidden'].includes(err.code)) throw err;
      return `Could not ${verbText(action)}: ${err.message}.`;
    }
    // Audited (via: slack) by the hand-off service, in the transaction of the change.
    return doneText(action, conversationId);
  }

  /**
   * The staff member behind a Slack user: a stored link, else the first match of the Slack
   * profile's e-mail (users.info, `users:read.email` scope) with an active staff account, then linked.
   */
  async staffOf(slackUserId: string): Promise<DeskStaff | undefined> {
    const { repo } = this.deps;
    const linked = await repo.linkedStaff(slackUserId);
    const staff = linked ?? (await this.matchByEmail(slackUserId));
    if (!staff || staff.role === 'marketer') return undefined;
    if (!linked) await repo.link(slackUserId, staff.id);
    return staff;
  }

  private async matchByEmail(slackUserId: string): Promise<DeskStaff | undefined> {
    const info = await this.deps.client.users.info({ token: this.deps.token, user: slackUserId }).catch((err: unknown) => {
      this.deps.log.debug({ err, user: slackUserId }, 'users.info failed');
      return undefined;
    });
    const email = (info?.user as { profile?: { email?: string } } | undefined)?.profile?.email?.trim();
    return email ? this.deps.repo.staffByEmail(email) : undefined;
  }

  /** An answer only `user` sees (falls back to a mention in the thread when ephemeral posts fail). */
  private async notice(user: string, threadTs: string | undefined, text: string, channelId = this.deps.channelId): Promise<void> {
    const { client, token, log } = this.deps;
    const thread = threadTs ? { thread_ts: threadTs } : {};
    try {
      await client.chat.postEphemeral({ token, channel: channelId, user, text, ...thread });
    } catch {
      await client.chat.postMessage({ token, channel: channelId, text: `<@${user}> ${text}`, ...thread }).catch((err: unknown) => log.warn({ err }, 'slack desk notice not posted'));
    }
  }
}

/** Waits for `work` up to `ms` (Slack wants an ack within 3 s); undefined when it is still running. */
async function withinBudget<T>(work: Promise<T>, ms = ACK_BUDGET_MS): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

function actorOf(staff: DeskStaff): Actor {
  return { id: staff.id, name: staff.name, role: staff.role };
}

function verbText(action: DeskAction): string {
  return action === 'handback' ? 'hand back' : action;
}

function doneText(action: DeskAction, id: string): string {
  switch (action) {
    case 'claim':
      return `You hold conversation ${id} now: reply in its thread to answer the customer.`;
    case 'release':
      return `Conversation ${id} is back in the queue.`;
    case 'handback':
      return `Conversation ${id} is back with the bot.`;
    default:
      return `Conversation ${id} is resolved.`;
  }
}
