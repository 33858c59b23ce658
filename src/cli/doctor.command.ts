import { existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadEnv, type Env } from '../core/config.js';
import { createCoordination } from '../storage/coordination.factory.js';
import { openConfiguredStore, pendingMigrations, type CliIo } from './migrate.command.js';

const USAGE = `Usage: patron doctor

  Checks the configuration and what it points at: environment values, the database and pending
  migrations, Redis, the Telegram bot token and webhook settings, Slack, the shop webhook secret
  and DATA_DIR. Prints one line per check; exit status 1 when any check fails.
`;

/** Network checks give up after this long. */
export const CHECK_TIMEOUT_MS = 3_000;

export interface CheckResult {
  name: string;
  ok: boolean;
  /** What was found, or what to do about it. */
  detail: string;
}

type Check = { name: string; run: () => Promise<Omit<CheckResult, 'name'> | null> };

/** `patron doctor`: returns 0 when every check passes, 1 otherwise. */
export async function runDoctor(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }, deps: { env?: NodeJS.ProcessEnv } = {}): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (argv.length) {
    io.stderr.write(`patron doctor: unknown argument ${JSON.stringify(argv[0])}\n\n${USAGE}`);
    return 2;
  }
  const results = await diagnose(deps.env ?? process.env);
  for (const r of results) io.stdout.write(`${r.ok ? '✓' : '✗'} ${r.name}: ${r.detail}\n`);
  const failed = results.filter((r) => !r.ok).length;
  io.stdout.write(failed ? `\n${failed} problem(s) found\n` : '\nall checks passed\n');
  return failed ? 1 : 0;
}

/** Runs every check that applies to this environment, in order. */
export async function diagnose(source: NodeJS.ProcessEnv): Promise<CheckResult[]> {
  let env: Env;
  try {
    env = loadEnv(source);
  } catch (err) {
    return [{ name: 'configuration', ok: false, detail: `${(err as Error).message} — fix it in the environment or .env, then run doctor again` }];
  }
  const results: CheckResult[] = [{ name: 'configuration', ok: true, detail: 'environment values are valid' }];
  for (const check of checks(env, source)) {
    try {
      const r = await check.run();
      if (r) results.push({ name: check.name, ...r });
    } catch (err) {
      results.push({ name: check.name, ok: false, detail: (err as Error).message });
    }
  }
  return results;
}

function checks(env: Env, source: NodeJS.ProcessEnv): Check[] {
  return [
    { name: 'data dir', run: async () => checkDataDir(resolve(env.DATA_DIR)) },
    { name: 'database', run: () => checkDatabase(env, source) },
    { name: 'redis', run: async () => (env.REDIS_URL ? checkRedis(env.REDIS_URL) : null) },
    { name: 'telegram', run: async () => (env.TELEGRAM_BOT_TOKEN ? checkTelegram(env.TELEGRAM_BOT_TOKEN, env.TELEGRAM_API_ROOT) : null) },
    { name: 'telegram webhook', run: async () => (env.TELEGRAM_BOT_TOKEN && env.TELEGRAM_MODE === 'webhook' ? checkWebhook(env) : null) },
    { name: 'slack', run: async () => (env.SLACK_BOT_TOKEN ? checkSlack(env) : null) },
    {
      name: 'shop webhook',
      run: async () =>
        env.SHOP_WEBHOOK_SECRET
          ? { ok: true, detail: 'SHOP_WEBHOOK_SECRET is set' }
          : { ok: false, detail: 'SHOP_WEBHOOK_SECRET is not set: set it to the secret the shop signs POST /webhooks/shop with, or every shop event is refused' },
    },
  ];
}

function checkDataDir(dir: string): Omit<CheckResult, 'name'> {
  try {
    mkdirSync(dir, { recursive: true });
    const probe = join(dir, `.doctor-${process.pid}`);
    writeFileSync(probe, 'ok');
    unlinkSync(probe);
    return { ok: true, detail: `${dir} is writable` };
  } catch (err) {
    return { ok: false, detail: `${dir} is not writable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): create it or set DATA_DIR to a folder this user can write` };
  }
}

/** Embedded PGlite is single-process: while a server holds DATA_DIR, doctor does not open it. */
function runningServer(dataDir: string): number | undefined {
  const file = join(dataDir, 'patron.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8'));
  if (!pid || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

async function checkDatabase(env: Env, source: NodeJS.ProcessEnv): Promise<Omit<CheckResult, 'name'>> {
  if (!env.DATABASE_URL) {
    const pid = runningServer(resolve(env.DATA_DIR));
    if (pid) return { ok: true, detail: `embedded database in ${resolve(env.DATA_DIR)} is in use by a running server (pid ${pid}); not opened` };
  }
  let opened;
  try {
    opened = await withTimeout(openConfiguredStore({}, source), env.DATABASE_URL ? 6_000 : 60_000, 'opening the database');
  } catch (err) {
    const fix = env.DATABASE_URL ? 'check DATABASE_URL (host, port, user, password) and that PostgreSQL is running' : 'check DATA_DIR';
    return { ok: false, detail: `${(err as Error).message} — ${fix}` };
  }
  try {
    const pending = await pendingMigrations(opened.store.db);
    const where = opened.store.kind === 'postgres' ? `PostgreSQL ${opened.store.location}` : `embedded PGlite in ${opened.store.location}`;
    return { ok: true, detail: pending.length ? `${where} reachable; ${pending.length} migration(s) pending (${pending.join(', ')}) — applied at the next start, or run \`patron migrate\`` : `${where} reachable; migrations up to date` };
  } finally {
    await opened.release();
  }
}

async function checkRedis(url: string): Promise<Omit<CheckResult, 'name'>> {
  const connecting = createCoordination(url, { requireConnection: true });
  try {
    const coordination = await withTimeout(connecting, CHECK_TIMEOUT_MS, 'connecting to Redis');
    try {
      const ok = await withTimeout(coordination.ping(), CHECK_TIMEOUT_MS, 'pinging Redis');
      return ok ? { ok: true, detail: `reachable at ${redact(url)}` } : { ok: false, detail: `${redact(url)} does not answer PING — check REDIS_URL and the server` };
    } finally {
      await coordination.close().catch(() => {});
    }
  } catch (err) {
    connecting.then((c) => c.close()).catch(() => {});
    return { ok: false, detail: `cannot reach ${redact(url)}: ${(err as Error).message} — start Redis or fix REDIS_URL (or unset it for a single instance)` };
  }
}

async function checkTelegram(token: string, apiRoot = 'https://api.telegram.org'): Promise<Omit<CheckResult, 'name'>> {
  const root = apiRoot.replace(/\/+$/, '');
  let res: Response;
  try {
    res = await fetch(`${root}/bot${token}/getMe`, { signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) });
  } catch (err) {
    return { ok: false, detail: `cannot reach ${root} within ${CHECK_TIMEOUT_MS / 1000} s (${(err as Error).message}) — check the network or TELEGRAM_API_ROOT` };
  }
  const body = (await res.json().catch(() => ({}))) as { ok?: boolean; result?: { username?: string }; description?: string };
  if (res.ok && body.ok) return { ok: true, detail: `token valid for @${body.result?.username ?? '?'}` };
  if (res.status === 401 || res.status === 404) return { ok: false, detail: `TELEGRAM_BOT_TOKEN was rejected (${body.description ?? res.status}) — copy the token again from @BotFather` };
  return { ok: false, detail: `getMe answered ${res.status} ${body.description ?? ''}`.trim() };
}

function checkWebhook(env: Env): Omit<CheckResult, 'name'> {
  const problems: string[] = [];
  if (!env.TELEGRAM_WEBHOOK_URL) problems.push('set TELEGRAM_WEBHOOK_URL to the public https URL of POST /telegram/webhook');
  else if (!env.TELEGRAM_WEBHOOK_URL.startsWith('https://')) problems.push(`TELEGRAM_WEBHOOK_URL must be https (Telegram refuses http): ${env.TELEGRAM_WEBHOOK_URL}`);
  if (!env.TELEGRAM_WEBHOOK_SECRET) problems.push('set TELEGRAM_WEBHOOK_SECRET so forged webhook calls are refused');
  return problems.length ? { ok: false, detail: problems.join('; ') } : { ok: true, detail: `webhook ${env.TELEGRAM_WEBHOOK_URL} with a secret token` };
}

async function checkSlack(env: Env): Promise<Omit<CheckResult, 'name'>> {
  const base = (env.SLACK_API_URL ?? 'https://slack.com/api/').replace(/\/?$/, '/');
  let body: { ok?: boolean; error?: string; team?: string; user?: string };
  try {
    const res = await fetch(`${base}auth.test`, { method: 'POST', headers: { authorization: `Bearer ${env.SLACK_BOT_TOKEN}` }, signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) });
    body = (await res.json().catch(() => ({ ok: false, error: `HTTP ${res.status}` }))) as typeof body;
  } catch (err) {
    return { ok: false, detail: `cannot reach ${base} within ${CHECK_TIMEOUT_MS / 1000} s (${(err as Error).message}) — check the network or SLACK_API_URL` };
  }
  if (!body.ok) return { ok: false, detail: `auth.test failed (${body.error ?? 'unknown error'}) — check SLACK_BOT_TOKEN (xoxb-…) and that the app is installed` };
  if (!env.SLACK_SIGNING_SECRET && !env.SLACK_APP_TOKEN) return { ok: false, detail: `token valid (${body.team}/${body.user}) but SLACK_SIGNING_SECRET is not set — events to POST /slack/events cannot be verified` };
  return { ok: true, detail: `token valid for ${body.user ?? '?'} in ${body.team ?? '?'}` };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'redis';
  }
}
