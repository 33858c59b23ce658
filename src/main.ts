import { createServer, type Server } from 'node:http';
import { Router } from 'express';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { ChannelRegistry } from './channels/registry.js';
import type { ChannelAdapter } from './channels/channel-adapter.js';
import { OutboxRepository } from './channels/delivery/outbox.repository.js';
import { OutboxSender } from './channels/delivery/outbox.sender.js';
import { WebchatAdapter } from './channels/webchat/webchat.adapter.js';
import { createWebAdapterBridge } from './channels/botkit/botkit.channel.js';
import type { SlackAgentDesk } from './channels/slack/agent-desk/index.js';
import { WebchatSessions } from './channels/webchat/webchat-session.js';
import { attachWebchatSocket } from './channels/webchat/webchat-socket.js';
import { loadConfig, parseRate, type AppConfig } from './core/config.js';
import { Translator } from './core/i18n.js';
import type { OutboundMessage } from './core/message.js';
import { newToken } from './core/ids.js';
import { createLogger, type Logger } from './core/logger.js';
import { Metrics } from './core/metrics.js';
import { ConversationRepository } from './crm/conversations/conversation.repository.js';
import { ParticipantService } from './crm/conversations/participant.service.js';
import { TranscriptRepository } from './crm/conversations/transcript.repository.js';
import { TurnLogRepository } from './crm/conversations/turn-log.repository.js';
import { CustomerRepository } from './crm/customers/customer.repository.js';
import { SettingsRepository } from './crm/settings/settings.repository.js';
import type { FlowServices } from './flows/flow-services.js';
import { buildCrm, type Crm, type CrmDeps } from './composition/crm.wiring.js';
import { Scheduler } from './scheduler/scheduler.js';
import { tableMaintenanceJob } from './storage/maintenance.js';
import { loadDemoData } from './crm/catalog/demo-data.js';
import { allFlows } from './flows/all-flows.js';
import { careShortcuts } from './flows/care/index.js';
import { buildHandoffWorkspace } from './crm/handoff/index.js';
import type { HandoffQueueService } from './crm/handoff/handoff-queue.service.js';
import { conversationsRoutes } from './http/routes/api/conversations.routes.js';
import { attachAgentSocket, STAFF_CHANGED, type AgentSocket } from './http/agent-socket.js';
import { authenticate } from './http/auth.js';
import { ChatRateLimiter, chatRateLimit, DEFAULT_IP_RULE, DEFAULT_SESSION_RULE, DEFAULT_SIGN_IN_ACCOUNT_RULE, rateLimitedWebchat, SignInLimiter } from './http/rate-limit.js';
import { buildAdminApi, type AdminApi } from './http/routes/api/index.js';
import { campaignsRoutes } from './http/routes/api/campaigns.routes.js';
import { unsubscribeRoutes } from './http/routes/unsubscribe.routes.js';
import { loadBuiltInEngine } from './flows/nlu/built-in.js';
import { Pipeline } from './flows/pipeline.js';
import { FlowRouter } from './flows/router.js';
import type { IntentClassifier } from './flows/understand.js';
import { createHttpApp } from './http/app.js';
import { webchatRoutes } from './http/routes/webchat.routes.js';
import { staffRoutes } from './http/routes/api/staff.routes.js';
import { StaffService } from './crm/staff/staff.service.js';
import type { Coordination } from './storage/coordination.js';
import { createCoordination } from './storage/coordination.factory.js';
import { lockDataDir } from './storage/data-dir-lock.js';
import { migrate, openStore, type Store } from './storage/database.js';

const CACHE_CHANNEL = 'cache:participants';
interface CacheInvalidation {
  customerId?: string;
  identity?: { channel: string; externalId: string };
  previous?: string;
}

export interface AppOptions {
  env?: NodeJS.ProcessEnv;
  config?: AppConfig;
  logger?: Logger;
  /** Open the HTTP port (false for the terminal chat and tests that call the pipeline directly). */
  http?: boolean;
  /** Replace the built-in intent model (tests with a small model). */
  classifier?: IntentClassifier;
  /** Extra channel adapters, built once the pipeline exists (the terminal chat adds its own). */
  extraChannels?: (app: App) => ChannelAdapter[];
  /** Campaign tuning (tests, benchmarks), passed to the campaign module. */
  campaigns?: CrmDeps['campaignOptions'];
  /** Admin API overrides (tests): where faq.json is edited, and a hook told about every retrained model. */
  admin?: { faqPath?: string; onRetrained?: (engine: IntentClassifier) => void };
  /** Telegram tuning (benchmarks and tests): pacing override (null = off) and long-poll timeout. */
  telegram?: { pacing?: ChannelAdapter['pacing'] | null; pollTimeoutSec?: number };
  /** Extra HTTP routers (tests, plug-ins); `raw` ones are mounted before the JSON body parser. */
  extraRouters?: (app: App) => { routers?: Router[]; raw?: Router[] };
}

/** Everything one running Patron instance is made of; built only here (the composition root). */
export interface App {
  config: AppConfig;
  log: Logger;
  store: Store;
  coordination: Coordination;
  metrics: Metrics;
  pipeline: Pipeline;
  channels: ChannelRegistry;
  sender: OutboxSender;
  webchat: WebchatAdapter;
  services: FlowServices;
  crm: Crm;
  scheduler: Scheduler;
  handoffQueue: HandoffQueueService;
  agentSocket?: AgentSocket;
  adminApi?: AdminApi;
  slackDesk?: SlackAgentDesk;
  staff: StaffService;
  repos: { customers: CustomerRepository; conversations: ConversationRepository; outbox: OutboxRepository; transcripts: TranscriptRepository; settings: SettingsRepository };
  adminToken: string;
  /** Base URL once listening. */
  url?: string;
  server?: Server;
  stop(): Promise<void>;
}

/** Builds and starts an instance: store + migrations, coordination, pipeline, channels, sender, HTTP. */
export async function startApp(options: AppOptions = {}): Promise<App> {
  const config = options.config ?? loadConfig(options.env);
  const { env } = config;
  const log = options.logger ?? createLogger({ level: env.LOG_LEVEL });
  const unlock = env.DATABASE_URL ? () => {} : lockDataDir(config.dataDir);
  let store: Store | undefined;
  let coordination: Coordination | undefined;
  // The intent model loads (parses its cached JSON) while PGlite compiles and opens.
  const classifier = options.classifier ? Promise.resolve(options.classifier) : loadBuiltInEngine({ cachePath: join(config.dataDir, 'nlu-model.json') });
  classifier.catch(() => {});
  try {
    store = await openStore({ databaseUrl: env.DATABASE_URL, dataDir: config.dataDir, pgliteWorker: env.PGLITE_WORKER, pgliteOptimize: env.PGLITE_OPTIMIZE });
    const applied = await migrate(store.db);
    if (applied.length) log.info({ applied }, 'migrations applied');
    // An unreachable Redis does not stop start-up: it reconnects in the background and /readyz says so.
    coordination = await createCoordination(env.REDIS_URL, { requireConnection: false });
    return await assemble(config, log, store, coordination, classifier, options, unlock);
  } catch (err) {
    await coordination?.close().catch(() => {});
    await store?.close().catch(() => {});
    unlock();
    throw err;
  }
}

async function assemble(
  config: AppConfig, log: Logger, store: Store, coordination: Coordination, loadingClassifier: Promise<IntentClassifier>, options: AppOptions, unlock: () => void,
): Promise<App> {
  const { env } = config;
  const db = store.db;
  const metrics = new Metrics(options.http !== false);
  const translator = Translator.fromConfig(config.configDir, env.DEFAULT_LOCALE);
  const settings = new SettingsRepository(db);
  const customers = new CustomerRepository(db);
  const conversations = new ConversationRepository(db);
  const outbox = new OutboxRepository(db);
  const transcripts = new TranscriptRepository(db);
  const participants = new ParticipantService(customers, conversations, coordination.kind === 'memory');
  // Erases and account links change who an identity belongs to: every instance's cache must forget.
  const forget = (m: CacheInvalidation) => {
    if (m.customerId) participants.forgetCustomer(m.customerId);
    if (m.identity) participants.forgetIdentity(m.identity.channel, m.identity.externalId, m.previous);
  };
  const forgetEverywhere = async (m: CacheInvalidation) => {
    forget(m);
    await coordination.publish(CACHE_CHANNEL, JSON.stringify(m)).catch(() => {});
  };
  // Subscription ends with coordination.close() at shutdown.
  await coordination.subscribe(CACHE_CHANNEL, (raw) => {
    try {
      forget(JSON.parse(raw) as CacheInvalidation);
    } catch (err) {
      log.warn({ err }, 'ignored a malformed cache invalidation message');
    }
  });
  let wakeSender = () => {};
  let announceHandoff: (r: { requestId: string; conversationId: string; reason: string }) => void = () => {};
  const crm = await buildCrm({ db, config, log, translator, outbox, wake: () => wakeSender(), onHandoffRequested: (r) => announceHandoff(r),
    onIdentityLinked: (identity, previous) => void forgetEverywhere({ identity, previous }),
    onCustomerErased: (customerId) => void forgetEverywhere({ customerId }),
    campaignOptions: options.campaigns,
  });
  const services: FlowServices = {
    consent: crm.consent, customers: crm.customers, orders: crm.orders, loyalty: crm.loyalty, tickets: crm.tickets, handoff: crm.handoff, catalog: crm.catalog,
  };
  // The demo shop's catalog, customers and orders, once, on a fresh embedded install.
  if (store.kind === 'pglite' && env.DEMO_DATA) {
    const demo = await loadDemoData(db, { configDir: config.configDir });
    if (demo.loaded) log.info({ products: demo.products, customers: demo.customers, orders: demo.orders }, 'demo data loaded');
  }
  const router = new FlowRouter(allFlows());
  // A holder, so an admin retrain can swap the model under the running pipeline.
  let activeClassifier: IntentClassifier = await loadingClassifier;
  const classifier: IntentClassifier = { classify: (text) => activeClassifier.classify(text) };
  const channels = new ChannelRegistry();
  const sender = new OutboxSender(outbox, channels, coordination, metrics, log.child({ part: 'sender' }));
  wakeSender = () => void sender.wakeAll();
  const scheduler = new Scheduler(coordination, log.child({ part: 'scheduler' }), env.TZ);
  for (const job of crm.jobs) scheduler.add(job);
  const maintenance = tableMaintenanceJob(store, log.child({ part: 'maintenance' }));
  if (maintenance) scheduler.add(maintenance);
  const staff = new StaffService(db);
  const workspace = buildHandoffWorkspace({
    db, translator, coordination, configDir: config.configDir, log: log.child({ part: 'handoff' }),
    wake: () => void sender.wakeAll(), invalidate: (id) => participants.invalidate(id), idleMinutes: env.HANDOFF_IDLE_MINUTES,
    audit: (trx, actor, action, subject, detail) => staff.audit(actor, action, subject, detail, trx),
  });
  announceHandoff = (r) => workspace.handoffQueue.announceQueued(r);
  for (const job of workspace.jobs) scheduler.add(job);
  const pipeline = new Pipeline({
    db, participants, turnLog: new TurnLogRepository(db), coordination, classifier, router, translator, services, metrics,
    log: log.child({ part: 'pipeline' }), defaultLocale: env.DEFAULT_LOCALE,
    isInline: (id) => channels.isInline(id), onQueued: () => void sender.wakeAll(),
    onTurn: (result, message) => workspace.handoffQueue.publishTurn(result, message),
    beforeUnderstanding: [careShortcuts],
  });
  const adminToken = env.ADMIN_TOKEN ?? (await settings.getOrCreate('admin_token', () => newToken(24)));
  await staff.ensureBootstrapAdmin(adminToken);
  const webchatSecret = await settings.getOrCreate('webchat_secret', () => newToken(32));
  const webchat = new WebchatAdapter(new WebchatSessions(webchatSecret), (m) => pipeline.handle(m));
  await relayWebchatPushes(webchat, coordination, log);
  channels.add(webchat);
  // Platform SDKs (bolt, telegraf, nodemailer: ~250 ms of start-up together) load only when configured.
  const slack = env.SLACK_BOT_TOKEN
    ? (await import('./channels/slack/slack.channel.js')).buildSlackChannel({ env, handle: (m) => pipeline.handle(m), log: log.child({ channel: 'slack' }) })
    : null;
  if (slack) channels.add(slack.adapter);
  const telegram = env.TELEGRAM_BOT_TOKEN
    ? (await import('./channels/telegram/telegram.channel.js')).buildTelegramChannel({ env, handle: (m) => pipeline.handle(m), log: log.child({ channel: 'telegram' }), shared: coordination, ...options.telegram })
    : null;
  if (telegram) channels.add(telegram.adapter);
  const email = env.SMTP_URL ? (await import('./channels/email/email.adapter.js')).buildEmailChannel(config.env as unknown as NodeJS.ProcessEnv) : null;
  if (email) channels.add(email);
  // Botkit bridge (optional dependency): any Botkit 4 adapter; the web adapter is built in.
  const botkitWeb = env.BOTKIT_WEB ? await createWebAdapterBridge({ name: 'web', log: log.child({ channel: 'botkit:web' }), handle: (m) => pipeline.handle(m) }) : null;
  if (botkitWeb) channels.add(botkitWeb.bridge);
  // Slack as the agents' desk: hand-offs mirrored as threads in SLACK_AGENT_CHANNEL.
  const slackDesk = slack && env.SLACK_AGENT_CHANNEL
    ? (await import('./channels/slack/agent-desk/index.js')).buildSlackAgentDesk({
        db, coordination, handoff: workspace.handoffQueue, adapter: slack.adapter,
        botToken: env.SLACK_BOT_TOKEN!.trim(), channelId: env.SLACK_AGENT_CHANNEL, log: log.child({ part: 'slack-desk' }),
      })
    : null;

  const app: App = {
    config, log, store, coordination, metrics, pipeline, channels, sender, webchat, services, adminToken, staff, crm, scheduler, handoffQueue: workspace.handoffQueue, slackDesk: slackDesk ?? undefined,
    repos: { customers, conversations, outbox, transcripts, settings },
    stop: async () => {},
  };
  for (const adapter of options.extraChannels?.(app) ?? []) channels.add(adapter);
  await channels.startAll((adapter, err) => log.error({ err, channel: adapter.id }, 'channel failed to start; it will be reported on /readyz'));
  await sender.start();
  await slackDesk?.start();
  scheduler.start();
  // Stats counters start from zero on every PGlite open, so the first pass (tables never vacuumed
  // or analysed, e.g. after an upgrade or a bulk load by SQL) runs now rather than at the first fire.
  if (maintenance) void scheduler.runNow(maintenance.name).catch((err) => log.error({ err }, 'table maintenance failed'));

  if (options.http !== false) {
    const extra = options.extraRouters?.(app) ?? {};
    // Flood protection for the public chat, shared by all instances through the coordination store.
    const chatLimiter = new ChatRateLimiter(coordination, {
      perSession: parseRate(env.CHAT_RATE_LIMIT, DEFAULT_SESSION_RULE),
      perIp: parseRate(env.CHAT_IP_RATE_LIMIT, DEFAULT_IP_RULE),
    });
    // Password guessing on the staff sign-in, per account and per address, shared the same way.
    const signInLimiter = new SignInLimiter(coordination, { perAccount: parseRate(env.SIGN_IN_RATE_LIMIT, DEFAULT_SIGN_IN_ACCOUNT_RULE) });
    const adminApi = buildAdminApi({
      db, crm, staff, configDir: config.configDir, faqPath: options.admin?.faqPath, timezone: env.TZ, classifier,
      setClassifier: (engine) => {
        activeClassifier = engine;
        options.admin?.onRetrained?.(engine);
      },
    });
    app.adminApi = adminApi;
    const http = createHttpApp({
      log, metrics, trustProxy: env.TRUST_PROXY,
      readiness: [
        { name: 'database', check: async () => ({ ok: await store.ping(), detail: store.kind }) },
        { name: 'coordination', check: async () => ({ ok: await coordination.ping(), detail: coordination.kind }) },
        ...channels.all().filter((c) => c.health).map((c) => ({ name: `channel:${c.id}`, check: async () => c.health!() })),
      ],
      routers: [
        // The admin API first: its OpenAPI document is public, the staff routes require a token.
        chatRateLimit(chatLimiter, webchat), webchatRoutes(webchat, conversations, transcripts), adminApi.router, staffRoutes(staff, signInLimiter, (id) => void coordination.publish(STAFF_CHANGED, id).catch(() => {})), ...crm.routes,
        Router().use('/api', authenticate(staff), conversationsRoutes({ handoff: workspace.handoffQueue, staff, canned: workspace.canned })),
        Router().use('/api', authenticate(staff), campaignsRoutes({ campaigns: crm.campaigns.campaigns, staff })),
        unsubscribeRoutes({ tokens: crm.campaigns.tokens, consent: crm.consent, translator }),
        ...(extra.routers ?? []),
      ],
      rawRouters: [...(slack?.routes ?? []), ...(telegram?.routes ?? []), ...(extra.raw ?? [])],
      beforeScrape: async () => metrics.outboxDepth.set(await outbox.depth()),
    });
    // Idle keep-alive connections stay open longer than a proxy's or client pool's usual 60 s: with
    // Node's 5 s default, a client reusing a socket the server is just closing gets ECONNRESET
    // (seen once in the 1,000-session soak on a loaded machine).
    app.server = createServer({ keepAliveTimeout: KEEP_ALIVE_MS, headersTimeout: KEEP_ALIVE_MS + 1_000 }, http);
    attachWebchatSocket(app.server, rateLimitedWebchat(webchat, chatLimiter), { conversations, transcripts, log, defaultLocale: env.DEFAULT_LOCALE });
    if (botkitWeb) botkitWeb.bridge.attachWebSocket(app.server);
    app.agentSocket = await attachAgentSocket(app.server, { staff, coordination });
    // Botkit bridges may attach their own sockets under /botkit/ (also after start, in tests).
    refuseUnknownUpgrades(app.server, ['/chat/ws', '/agent/ws'], '/botkit/');
    // Training phrases added through the admin API survive a restart (retrains only when there are some).
    void adminApi.intents.retrainIfAdded().catch((err) => log.warn({ err }, 'retrain with admin phrases failed; using the shipped model'));
    await listen(app.server, env.PORT, env.HOST);
    const address = app.server.address() as AddressInfo;
    app.url = `http://${env.HOST.includes(':') ? `[${env.HOST}]` : env.HOST}:${address.port}`;
  }
  app.stop = () => shutdown(app, unlock);
  return app;
}

const KEEP_ALIVE_MS = 65_000;
const WEBCHAT_PUSH_CHANNEL = 'webchat:push';

/**
 * Agent and campaign messages to a web chat visitor go out through whichever instance's sender
 * leased the outbox row, while the visitor's socket may be open on another: pushes travel over the
 * coordination pub/sub (Redis with REDIS_URL, in-process otherwise) and every instance delivers them
 * to its own sockets. The subscription ends with coordination.close() at shutdown.
 */
async function relayWebchatPushes(webchat: WebchatAdapter, coordination: Coordination, log: Logger): Promise<void> {
  await coordination.subscribe(WEBCHAT_PUSH_CHANNEL, (raw) => {
    try {
      const { conversation, message } = JSON.parse(raw) as { conversation: string; message: OutboundMessage };
      webchat.deliver(conversation, message);
    } catch (err) {
      log.warn({ err }, 'ignored a malformed web chat push');
    }
  });
  webchat.relayThrough({ publish: (conversation, message) => coordination.publish(WEBCHAT_PUSH_CHANNEL, JSON.stringify({ conversation, message })) });
}

/** WebSocket upgrades to any other path get a 404 instead of hanging (each socket serves its own path). */
function refuseUnknownUpgrades(server: Server, paths: string[], reservedPrefix: string): void {
  const known = new Set(paths);
  server.on('upgrade', (req, socket) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (!known.has(path) && !path.startsWith(reservedPrefix)) socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * Graceful shutdown: stop taking requests, let in-flight turns finish, send what the outbox holds
 * (bounded), then close channels and stores. Safe to call twice.
 */
async function shutdown(app: App, unlock: () => void): Promise<void> {
  app.stop = async () => {};
  await app.agentSocket?.close();
  const closing = app.server ? new Promise<void>((r) => app.server!.close(() => r())) : Promise.resolve();
  app.server?.closeIdleConnections?.();
  await app.scheduler.stop();
  await app.pipeline.drained();
  await app.slackDesk?.stop();
  await app.sender.stop(5_000);
  await app.channels.stopAll();
  app.server?.closeAllConnections?.();
  await closing;
  await app.coordination.close().catch(() => {});
  await app.store.close();
  unlock();
}
