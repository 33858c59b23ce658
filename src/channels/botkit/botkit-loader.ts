/**
 * The only door to the optional `botkit` package (and the adapters built on it). Botkit 4 is a
 * frozen CommonJS package on the retired Bot Framework SDK, so it is loaded lazily and typed here
 * by the little Patron uses of it; when it is absent the loaders return null.
 */

/** A Bot Framework conversation reference, as Botkit hands it out (`message.reference`). */
export interface ConversationReferenceLike {
  channelId?: string;
  serviceUrl?: string;
  conversation: { id: string; [key: string]: unknown };
  user?: { id: string; name?: string };
  bot?: { id: string; name?: string };
  activityId?: string;
  locale?: string;
}

/** The fields of an incoming Bot Framework activity that the bridge reads. */
export interface ActivityLike {
  type: string;
  id?: string;
  text?: string;
  value?: unknown;
  locale?: string;
  timestamp?: string | Date;
  channelId?: string;
  conversation?: { id?: string };
  from?: { id?: string; name?: string };
  channelData?: Record<string, any>;
  attachments?: Array<{ contentType?: string; contentUrl?: string; name?: string }>;
}

/** What Botkit passes to middlewares and handlers. */
export interface BotkitMessageLike {
  type: string;
  text?: string;
  reference: ConversationReferenceLike;
  incoming_message: ActivityLike;
  [key: string]: unknown;
}

export interface BotWorkerLike {
  getConfig(key?: string): any;
  changeContext(reference: Partial<ConversationReferenceLike>): Promise<BotWorkerLike>;
  ensureMessageFormat(message: Record<string, unknown> | string): Record<string, unknown>;
  reply(src: BotkitMessageLike, resp: Record<string, unknown> | string): Promise<unknown>;
}

type NextFn = (err?: unknown) => void;
interface Ware<A extends unknown[]> {
  use(fn: (...args: [...A, NextFn]) => void): void;
  run(...args: [...A, (err: unknown, ...rest: A) => void]): void;
}

/** A Botkit controller (`new Botkit(...)`), narrowed to what Patron touches. */
export interface BotkitController {
  adapter: any;
  middleware: {
    ingest: Ware<[BotWorkerLike, BotkitMessageLike]>;
    send: Ware<[BotWorkerLike, Record<string, unknown>]>;
  };
  handleTurn(context: unknown): Promise<void>;
  spawn(config?: unknown): Promise<BotWorkerLike>;
  on(event: string, handler: (bot: BotWorkerLike, message: BotkitMessageLike) => Promise<unknown>): void;
  shutdown(): Promise<void>;
}

export interface BotkitConfig {
  adapter?: unknown;
  adapterConfig?: Record<string, unknown>;
  disable_webserver?: boolean;
  disable_console?: boolean;
  storage?: unknown;
}

export interface BotkitModule {
  Botkit: new (config: BotkitConfig) => BotkitController;
}

// CJS interop: Node exposes module.exports as `default` and, when it can detect them, as named exports too.
function pick<T>(mod: any, name: string): T | undefined {
  return (mod?.[name] ?? mod?.default?.[name]) as T | undefined;
}

async function importOptional(specifier: string): Promise<{ mod?: unknown; error?: string }> {
  try {
    return { mod: await import(specifier) };
  } catch (err) {
    return { error: err instanceof Error ? err.message.split('\n')[0] : String(err) };
  }
}

let botkitOnce: Promise<{ module: BotkitModule | null; error?: string }> | undefined;

/** Loads `botkit` once; `module` is null (with the reason) when it is not installed or fails to load. */
export function loadBotkit(): Promise<{ module: BotkitModule | null; error?: string }> {
  // A variable specifier keeps tsc from requiring the optional package's typings.
  const specifier: string = 'botkit';
  botkitOnce ??= importOptional(specifier).then(({ mod, error }) => {
    const Botkit = pick<BotkitModule['Botkit']>(mod, 'Botkit');
    if (!Botkit) return { module: null, error: error ?? 'botkit has no Botkit export' };
    return { module: { Botkit } };
  });
  return botkitOnce;
}

/** Loads a named export of another optional Botkit package (e.g. `WebAdapter` of `botbuilder-adapter-web`). */
export async function loadOptionalExport<T>(specifier: string, name: string): Promise<{ value: T | null; error?: string }> {
  const { mod, error } = await importOptional(specifier);
  const value = pick<T>(mod, name);
  return value ? { value } : { value: null, error: error ?? `${specifier} has no ${name} export` };
}

/**
 * Storage that keeps nothing: Patron keeps conversation state itself, and Botkit's default
 * MemoryStorage would keep an entry per conversation forever (and print a warning at start).
 */
export const NO_STORAGE = {
  read: async () => ({}),
  write: async () => {},
  delete: async () => {},
};

/**
 * Runs `fn` and returns the intervals it started. Botkit adapters (the WebAdapter's 30 s socket
 * heartbeat) start timers they keep no handle to, so this is the only way to stop them later.
 */
export function captureIntervals<T>(fn: () => T): { result: T; intervals: NodeJS.Timeout[] } {
  const original = globalThis.setInterval;
  const intervals: NodeJS.Timeout[] = [];
  const capturing = ((...args: Parameters<typeof setInterval>) => {
    const handle = original(...args);
    intervals.push(handle);
    return handle;
  }) as typeof setInterval;
  globalThis.setInterval = capturing;
  try {
    return { result: fn(), intervals };
  } finally {
    globalThis.setInterval = original;
  }
}
