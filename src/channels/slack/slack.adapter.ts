import { App, ExpressReceiver, HTTPModuleFunctions, type Authorize, type ReceiverProcessEventErrorHandlerArgs } from '@slack/bolt';
import type { RequestHandler } from 'express';
import { isAppError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { InboundMessage, OutboundMessage } from '../../core/message.js';
import type { ChannelAdapter, InboundHandler, SendResult } from '../channel-adapter.js';
import { afterQuickReply, BUTTON_ACTION, QUICK_REPLY_ACTION, renderMessage, type Block } from './slack-blocks.js';
import { toDeliveryError } from './slack-errors.js';
import { inboundFromAction, inboundFromMessage, type SlackBlockActions, type SlackMessageEvent } from './slack-inbound.js';
import { boltLogger } from './slack-logger.js';
import { SlackNames } from './slack-names.js';

export interface SlackAdapterOptions {
  botToken: string;
  /** Required for the Events API (HTTP); unused in Socket Mode. */
  signingSecret?: string;
  /** An app-level token (`xapp-…`) switches to Socket Mode: no public URL, events over a WebSocket. */
  appToken?: string;
  /** Web API base, e.g. `http://127.0.0.1:8080/api/` for a fake (default: Slack). */
  apiUrl?: string;
  handle: InboundHandler;
  log: Logger;
  /** How long an inbound turn may run before Slack gets its ack anyway (Slack gives up after 3 s). */
  ackBudgetMs?: number;
}

const RETRY_MAX_MS = 60_000;

/**
 * Slack as a customer channel: direct messages with the bot (`message.im`) and presses of the
 * buttons it rendered (`block_actions`) become InboundMessages; replies go out with
 * `chat.postMessage` as Block Kit. The Web API client never retries or waits by itself — the
 * outbox sender owns retries and pacing, so every failure is mapped to a DeliveryError.
 */
export class SlackAdapter implements ChannelAdapter {
  readonly id = 'slack';
  readonly inline = false;
  // Slack allows about one message per second per conversation.
  readonly pacing = { perChat: { points: 1, durationMs: 1000 } };
  readonly mode: 'events' | 'socket';
  readonly bolt: App;
  private readonly receiver?: ExpressReceiver;
  private readonly names: SlackNames;
  private readonly dmChannels = new Map<string, string>();
  private identity: { userId?: string; botId?: string } = {};
  private status: { ok: boolean; detail?: string } = { ok: false, detail: 'not started' };
  private running = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly ackBudgetMs: number;

  constructor(private readonly options: SlackAdapterOptions) {
    const logger = boltLogger(options.log);
    const clientOptions = {
      slackApiUrl: withSlash(options.apiUrl ?? 'https://slack.com/api/'),
      retryConfig: { retries: 0 },
      // Without this a 429 makes the client sleep out Retry-After (blocking every call); we want the error.
      rejectRateLimitedCalls: true,
      timeout: 10_000,
      logger,
    };
    // Our own authorize instead of `token`: bolt's would call auth.test once in the constructor and
    // keep a failed result forever; this one always has the token and learns the bot ids when Slack answers.
    const authorize: Authorize<boolean> = async () => ({ botToken: options.botToken, botId: this.identity.botId, botUserId: this.identity.userId });
    this.ackBudgetMs = options.ackBudgetMs ?? 2000;
    if (options.appToken) {
      this.mode = 'socket';
      this.bolt = new App({ appToken: options.appToken, socketMode: true, authorize, clientOptions, logger });
    } else {
      if (!options.signingSecret) throw new Error('Slack Events API needs a signing secret (SLACK_SIGNING_SECRET)');
      this.mode = 'events';
      // processBeforeResponse: the ack goes out after the turn is recorded (bounded by ackBudgetMs),
      // so a turn that fails answers 500 and Slack redelivers it.
      this.receiver = new ExpressReceiver({ signingSecret: options.signingSecret, endpoints: '/slack/events', processBeforeResponse: true, logger, processEventErrorHandler: refuseMalformed });
      this.bolt = new App({ receiver: this.receiver, authorize, clientOptions, logger });
    }
    this.names = new SlackNames(this.bolt.client, options.botToken);
    this.listen();
  }

  /** The Events API endpoint (`POST /slack/events`, events and interactivity) to mount; absent in Socket Mode. */
  get requestHandler(): RequestHandler | undefined {
    const router = this.receiver?.router;
    return router ? (req, res, next) => router(req, res, next) : undefined;
  }

  /** Checks the token with auth.test in the background (retrying with backoff), so start-up never waits on Slack. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.status = { ok: false, detail: 'connecting to Slack' };
    void this.connect(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.mode === 'socket') await this.bolt.stop().catch(() => {});
  }

  health(): { ok: boolean; detail?: string } {
    return this.status;
  }

  async send(conversation: string, message: OutboundMessage): Promise<SendResult> {
    const channel = await this.dmChannel(conversation);
    const { text, blocks } = renderMessage(message);
    try {
      const result = await this.bolt.client.chat.postMessage({
        token: this.options.botToken, channel, text, blocks: blocks as never, unfurl_links: false, unfurl_media: false,
      });
      return { platformMessageId: result.ts };
    } catch (err) {
      throw toDeliveryError(err, `chat.postMessage to ${channel}`);
    }
  }

  private listen(): void {
    this.bolt.event('message', async ({ event, context }) => {
      const message = inboundFromMessage(event as SlackMessageEvent, this.identity.userId ?? (context.botUserId as string | undefined));
      if (!message) return;
      const name = await this.names.nameOf(message.sender.id);
      await this.dispatch({ ...message, sender: { ...message.sender, name } }, context.retryNum);
    });
    this.bolt.action(BUTTON_ACTION, async ({ ack, body, context }) => {
      await ack();
      const actions = body as unknown as SlackBlockActions;
      const message = inboundFromAction(actions);
      if (!message) return;
      if (QUICK_REPLY_ACTION.test(actions.actions?.[0]?.action_id ?? '')) this.retireQuickReplies(actions);
      await this.dispatch(message, context.retryNum);
    });
    this.bolt.error(async (err) => {
      this.options.log.error({ err }, 'slack event failed');
      // Rethrown so the receiver answers 500 and Slack redelivers (the pipeline dedupes).
      throw err;
    });
  }

  /**
   * Hands a message to the pipeline. A first delivery is acked once its turn is committed or the
   * ack budget runs out (then it finishes in the background); a redelivery is acked at once — its
   * first delivery is most likely still running, and the pipeline's dedupe makes it a no-op.
   */
  private async dispatch(message: InboundMessage, retryNum: number | undefined): Promise<void> {
    const log = this.options.log;
    const work = this.options.handle(message).then(
      () => 'done' as const,
      (err: unknown) => {
        // A message the pipeline refuses (4xx) will never succeed: redelivery would only repeat the refusal.
        if (isAppError(err) && err.status < 500) {
          log.warn({ err, id: message.id }, 'slack message refused by the pipeline');
          return 'done' as const;
        }
        throw err;
      },
    );
    const background = () => void work.catch((err) => log.error({ err, id: message.id }, 'slack turn failed after ack'));
    if (retryNum) return background();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), this.ackBudgetMs)));
    try {
      if ((await Promise.race([work, late])) === 'late') background();
    } finally {
      clearTimeout(timer);
    }
  }

  // A quick reply answers one question: once pressed, the buttons go and the choice is shown.
  private retireQuickReplies(body: SlackBlockActions): void {
    const channel = body.channel?.id ?? body.container?.channel_id;
    const ts = body.container?.message_ts ?? body.message?.ts;
    const blocks = body.message?.blocks as Block[] | undefined;
    const label = body.actions?.[0]?.text?.text ?? '';
    if (!channel || !ts || !blocks) return;
    this.bolt.client.chat
      .update({ token: this.options.botToken, channel, ts, blocks: afterQuickReply(blocks, label) as never, text: body.message?.text ?? label })
      .catch((err: unknown) => this.options.log.debug({ err }, 'could not update the pressed message'));
  }

  /** A user id (a campaign recipient) is turned into the bot's DM channel with that user. */
  private async dmChannel(target: string): Promise<string> {
    if (!/^[UW][A-Z0-9]+$/.test(target)) return target;
    const known = this.dmChannels.get(target);
    if (known) return known;
    try {
      const result = await this.bolt.client.conversations.open({ token: this.options.botToken, users: target });
      const id = result.channel?.id;
      if (!id) throw new Error(`conversations.open for ${target} returned no channel`);
      if (this.dmChannels.size > 50_000) this.dmChannels.clear();
      this.dmChannels.set(target, id);
      return id;
    } catch (err) {
      throw toDeliveryError(err, `conversations.open with ${target}`);
    }
  }

  private async connect(attempt: number): Promise<void> {
    if (!this.running) return;
    try {
      const auth = await this.bolt.client.auth.test({ token: this.options.botToken });
      this.identity = { userId: auth.user_id, botId: auth.bot_id };
      if (this.mode === 'socket') await this.bolt.start();
      this.status = { ok: true, detail: `${this.mode} as @${auth.user ?? auth.user_id} in ${auth.team ?? auth.team_id}` };
      this.options.log.info({ mode: this.mode, botUserId: auth.user_id }, 'slack connected');
    } catch (err) {
      if (this.mode === 'socket') await this.bolt.stop().catch(() => {});
      const delay = Math.min(RETRY_MAX_MS, 1000 * 2 ** attempt) * (0.8 + Math.random() * 0.4);
      const reason = toDeliveryError(err, 'auth.test').message;
      this.status = { ok: false, detail: `${reason}; retrying in ${Math.round(delay / 1000)}s` };
      this.options.log.warn({ attempt, reason }, 'slack not reachable; retrying');
      if (!this.running) return;
      this.retryTimer = setTimeout(() => void this.connect(attempt + 1), delay);
      this.retryTimer.unref?.();
    }
  }
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/**
 * A signed body that is not an object (`payload=null`), or whose `event` is not one (or has a `channel` of the wrong type), makes bolt
 * throw before any listener runs; that is the sender's fault, so it gets 400, not a 500 that
 * Slack would redeliver. Every other failure keeps bolt's answer (500: Slack redelivers).
 */
async function refuseMalformed(args: ReceiverProcessEventErrorHandlerArgs): Promise<boolean> {
  const body = (args.request as { body?: unknown }).body;
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  // bolt reads these with the `in` operator, which throws on anything but an object.
  const readable = (v: unknown) => v === undefined || typeof v === 'string' || isObject(v);
  const event = isObject(body) ? body.event : undefined;
  const malformed = !isObject(body) || (event !== undefined && (!isObject(event) || !['channel', 'user', 'item', 'message'].every((k) => readable(event[k]))));
  if (!malformed || args.response.headersSent) return HTTPModuleFunctions.defaultProcessEventErrorHandler(args);
  args.response.writeHead(400, { 'content-type': 'application/json' });
  args.response.end(JSON.stringify({ error: { code: 'bad_request', message: 'the body and its event must be JSON objects' } }));
  return true;
}
