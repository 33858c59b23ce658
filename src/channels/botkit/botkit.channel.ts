import type { Router } from 'express';
import type { Logger } from '../../core/logger.js';
import type { InboundHandler } from '../channel-adapter.js';
import type { BotkitRenderStyle } from './botkit-activity.js';
import { BotkitBridge } from './botkit-bridge.js';
import { captureIntervals, loadBotkit, loadOptionalExport, NO_STORAGE } from './botkit-loader.js';

export { BotkitBridge } from './botkit-bridge.js';

export interface BotkitBridgeDeps {
  /** `web`, `sms`, `messenger` …: the channel id becomes `botkit:<name>`. */
  name: string;
  /** A Botkit 4 adapter instance; omitted → Botkit's built-in Bot Framework adapter (`adapterConfig`). */
  adapter?: unknown;
  /** Options of the built-in Bot Framework adapter (`appId`, `appPassword`) when no adapter is given. */
  adapterConfig?: Record<string, unknown>;
  log: Logger;
  handle: InboundHandler;
  render?: BotkitRenderStyle;
}

export interface BotkitChannel {
  bridge: BotkitBridge;
  /** Ordinary routers (mount after the JSON parser): `POST /botkit/<name>/messages` (none for the web adapter). */
  routes: Router[];
}

/**
 * Builds a Botkit bridge over `adapter`, or returns null (after one log line) when the optional
 * `botkit` package is not installed or cannot load. Botkit never opens its own web server.
 */
export async function buildBotkitBridge(deps: BotkitBridgeDeps): Promise<BotkitChannel | null> {
  const { module, error } = await loadBotkit();
  if (!module) {
    deps.log.warn({ reason: error }, `botkit bridge "${deps.name}" disabled: the optional package botkit is not installed`);
    return null;
  }
  const { result: controller, intervals } = captureIntervals(
    () =>
      new module.Botkit({
        ...(deps.adapter ? { adapter: deps.adapter } : { adapterConfig: deps.adapterConfig ?? {} }),
        disable_webserver: true, disable_console: true, storage: NO_STORAGE,
      }),
  );
  // Timers an adapter starts at init must not keep the process alive, and stop() clears them.
  for (const timer of intervals) timer.unref();
  const bridge = new BotkitBridge({ name: deps.name, controller, handle: deps.handle, log: deps.log, render: deps.render, timers: intervals });
  return { bridge, routes: bridge.routes() };
}

/**
 * A bridge over Botkit's web adapter (package `botbuilder-adapter-web`) with `noServer: true`:
 * attach its socket to Patron's server with `bridge.attachWebSocket(server)` (path
 * `/botkit/<name>/ws`); clients speak the adapter's socket format (`{type: 'message', text, user,
 * channel: 'socket', id?}`, where an optional `id` per message makes resends harmless). Null (after
 * one log line) when botkit or the web adapter is not installed. The adapter's 30 s heartbeat timer
 * is unref'd and cleared on stop. No webhook route is returned: the adapter can answer a webhook
 * only inside the turn, and Patron replies later through the outbox, so those replies could never
 * be delivered.
 */
export async function createWebAdapterBridge(deps: Omit<BotkitBridgeDeps, 'adapter' | 'adapterConfig'>): Promise<BotkitChannel | null> {
  if (!(await loadBotkit()).module) return buildBotkitBridge(deps);
  const { value: WebAdapter, error } = await loadOptionalExport<new (options: Record<string, unknown>) => unknown>('botbuilder-adapter-web', 'WebAdapter');
  if (!WebAdapter) {
    deps.log.warn({ reason: error }, `botkit bridge "${deps.name}" disabled: botkit's web adapter (botbuilder-adapter-web) is not installed`);
    return null;
  }
  // The adapter builds its ws server (and heartbeat) inside the Botkit constructor, from these options.
  const adapter = new WebAdapter({ noServer: true, maxPayload: 64 * 1024, perMessageDeflate: false });
  const built = await buildBotkitBridge({ ...deps, adapter });
  return built && { bridge: built.bridge, routes: [] };
}
