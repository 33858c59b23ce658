import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { startApp, type App, type AppOptions } from '../../src/main.js';

/** A temp DATA_DIR that is removed by `cleanup()`. */
export function tempDataDir(prefix = 'patron-app-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Starts a real app on a free port with a temp or given data dir (embedded PGlite unless env says otherwise). */
export async function startTestApp(env: Record<string, string> = {}, options: Omit<AppOptions, 'env'> = {}): Promise<App> {
  // Chat flood limits off by default: every test client is 127.0.0.1; the limiter has its own tests.
  return startApp({ env: { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', CHAT_RATE_LIMIT: 'off', CHAT_IP_RATE_LIMIT: 'off', ...env }, logger: silentLogger, ...options });
}

/**
 * The usual test-file set-up in one call: an app on its own temp DATA_DIR, started in `beforeAll`
 * and stopped (the dir removed) in `afterAll`. The result stands in for the running app — it forwards
 * every property to it — so a test reads `app.url` as if it held the app itself; touching it before
 * `beforeAll` ran throws.
 */
export function useTestApp(env: Record<string, string> = {}, options: Omit<AppOptions, 'env'> = {}, prefix?: string): App {
  const data = tempDataDir(prefix);
  let app: App | undefined;
  beforeAll(async () => {
    app = await startTestApp({ DATA_DIR: data.dir, ...env }, options);
  }, 120_000);
  afterAll(async () => {
    await app?.stop();
    data.cleanup();
  });
  return new Proxy({} as App, {
    get(_target, key) {
      if (!app) throw new Error(`the test app is not started yet (read app.${String(key)} inside a test or hook)`);
      const value = Reflect.get(app, key) as unknown;
      return typeof value === 'function' ? value.bind(app) : value;
    },
  });
}

/** POSTs JSON and returns status + parsed body. */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body: parsed };
}

/** GETs a URL and returns the parsed JSON body (typed loosely for assertions). */
export async function getJson(url: string): Promise<any> {
  const res = await fetch(url);
  return res.json();
}
