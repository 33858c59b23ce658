/**
 * Vitest global setup: one throwaway redis-server and one private PostgreSQL cluster for the whole
 * run, shared by all test files through `inject('redisUrl' | 'postgresUrl')`. `TEST_REDIS_URL` /
 * `TEST_DATABASE_URL` use existing servers instead. A missing binary is not an error: the URL is
 * null and `serversNote` says what is missing, so the tests that need it skip with that reason.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, chmodSync, chownSync, constants, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

const run = promisify(execFile);
const DIR_PREFIX = 'patron-servers-';

export interface Started {
  url: string | null;
  note: string;
  stop(): Promise<void>;
  /** Best effort for `process.on('exit')`, where nothing asynchronous runs any more. */
  stopSync(): void;
}

const nothing = (note: string, url: string | null = null): Started => ({ url, note, stop: async () => {}, stopSync: () => {} });

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const began = Date.now();
  reapStaleRuns();
  const root = mkdtempSync(join(tmpdir(), `${DIR_PREFIX}${process.pid}-`));
  // PostgreSQL runs as the postgres user when we are root and must be able to reach its folder.
  chmodSync(root, 0o755);
  const [redis, postgres] = await Promise.all([
    process.env.TEST_REDIS_URL ? nothing('', process.env.TEST_REDIS_URL) : startRedis(root).catch(failed('redis')),
    process.env.TEST_DATABASE_URL ? nothing('', process.env.TEST_DATABASE_URL) : startPostgres(root).catch(failed('postgres')),
  ]);
  const stopSync = (): void => {
    redis.stopSync();
    postgres.stopSync();
    rmSync(root, { recursive: true, force: true });
  };
  const unhook = hookAbnormalExit(stopSync);
  const note = [redis.note, postgres.note].filter(Boolean).join('; ');
  project.provide('redisUrl', redis.url);
  project.provide('postgresUrl', postgres.url);
  project.provide('serversNote', note);
  console.log(`[test servers] redis ${redis.url ?? 'none'}, postgres ${postgres.url ?? 'none'} in ${Date.now() - began} ms${note ? ` (${note})` : ''}`);
  return async () => {
    unhook();
    await Promise.allSettled([redis.stop(), postgres.stop()]);
    rmSync(root, { recursive: true, force: true });
  };
}

function failed(what: string): (err: unknown) => Started {
  return (err) => nothing(`${what} could not be started: ${err instanceof Error ? err.message : String(err)}`);
}

/** Stops our servers when the run dies without teardown (Ctrl-C, SIGTERM from CI, an uncaught crash). */
function hookAbnormalExit(stopSync: () => void): () => void {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const onSignal = (signal: NodeJS.Signals): void => {
    stopSync();
    unhook();
    // Nobody else handles it: re-raise so the process ends the way the signal asked.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  const unhook = (): void => {
    process.off('exit', stopSync);
    for (const s of signals) process.off(s, onSignal);
  };
  process.once('exit', stopSync);
  for (const s of signals) process.once(s, onSignal);
  return unhook;
}

/** Removes servers and folders left by runs that were killed too hard to clean up (SIGKILL, OOM). */
function reapStaleRuns(): void {
  for (const entry of safeReaddir(tmpdir())) {
    const pid = Number(entry.slice(DIR_PREFIX.length).split('-')[0]);
    if (!entry.startsWith(DIR_PREFIX) || !pid || isAlive(pid)) continue;
    const dir = join(tmpdir(), entry);
    killFromPidFile(join(dir, 'redis.pid'), 'SIGKILL');
    killFromPidFile(join(dir, 'pg', 'data', 'postmaster.pid'), 'SIGQUIT');
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Another user's leftovers: not ours to remove.
    }
  }
}

// ---------------------------------------------------------------- redis

async function startRedis(root: string): Promise<Started> {
  const bin = findOnPath('redis-server');
  if (!bin) return nothing('redis-server not found on PATH (apt-get install redis-server, or set TEST_REDIS_URL)');
  const dir = join(root, 'redis');
  mkdirSync(dir);
  let lastError = '';
  // A free port can be taken between probing and binding; a couple of retries absorb that race.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--loglevel', 'warning'];
    const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    if (await waitFor(() => redisAnswers(port), () => child.exitCode !== null || child.signalCode !== null, 5000)) {
      writeFileSync(join(root, 'redis.pid'), String(child.pid));
      return redisHandle(child, `redis://127.0.0.1:${port}`);
    }
    child.kill('SIGKILL');
    lastError = stderr.trim().split('\n').pop() ?? 'did not answer PING';
  }
  return nothing(`redis-server did not start: ${lastError}`);
}

function redisHandle(child: ChildProcess, url: string): Started {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url,
    note: '',
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000).unref())]);
    },
    stopSync: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

function redisAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTcp({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

// ---------------------------------------------------------------- postgres

/**
 * A private PostgreSQL cluster under `root` on a free port, with database `patron_test`. Tests run it
 * without durability (fsync off: the cluster is thrown away); `durable` keeps PostgreSQL's defaults,
 * for benchmarks that stand for a production server.
 */
export async function startPostgres(root: string, options: { durable?: boolean } = {}): Promise<Started> {
  const bin = findPostgresBin();
  if (!bin) return nothing('PostgreSQL binaries (initdb, pg_ctl) not found (apt-get install postgresql, or set TEST_DATABASE_URL)');
  const asUser = postgresRunner();
  if (typeof asUser === 'string') return nothing(asUser);
  const dir = join(root, 'pg');
  const data = join(dir, 'data');
  mkdirSync(dir);
  if (asUser.uid !== undefined) chownSync(dir, asUser.uid, asUser.gid!);
  // --no-sync and fsync=off for tests: the cluster is thrown away, durability would only cost time.
  await run(...asUser.cmd(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '-N']));
  let lastError = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const durability = options.durable ? '' : ' -c fsync=off -c synchronous_commit=off -c full_page_writes=off';
    const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1${durability} -c max_connections=200`;
    try {
      await run(...asUser.cmd(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '20', '-o', serverOptions, 'start']));
    } catch (err) {
      lastError = tail(join(dir, 'server.log')) || (err instanceof Error ? err.message : String(err));
      continue;
    }
    const stop = () => run(...asUser.cmd(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'])).then(() => {});
    await createDatabase(`postgres://postgres@127.0.0.1:${port}/postgres`, 'patron_test').catch(async (err) => {
      await stop().catch(() => {});
      throw err;
    });
    return {
      url: `postgres://postgres@127.0.0.1:${port}/patron_test`,
      note: '',
      stop: () => stop().catch(() => killFromPidFile(join(data, 'postmaster.pid'), 'SIGQUIT')),
      stopSync: () => killFromPidFile(join(data, 'postmaster.pid'), 'SIGQUIT'),
    };
  }
  return nothing(`PostgreSQL did not start: ${lastError}`);
}

interface Runner {
  uid?: number;
  gid?: number;
  cmd(file: string, args: string[]): [string, string[]];
}

/** initdb refuses to run as root, so as root every PostgreSQL command runs as the postgres user. */
function postgresRunner(): Runner | string {
  if (process.getuid?.() !== 0) return { cmd: (file, args) => [file, args] };
  let uid: number;
  let gid: number;
  try {
    uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  } catch {
    return 'running as root and there is no "postgres" user to run PostgreSQL as';
  }
  const runuser = findOnPath('runuser');
  if (!runuser) return 'running as root and runuser (util-linux) is missing';
  return { uid, gid, cmd: (file, args) => [runuser, ['-u', 'postgres', '--', file, ...args]] };
}

function findPostgresBin(): string | null {
  const candidates: string[] = [];
  if (process.env.PG_BIN) candidates.push(process.env.PG_BIN);
  const versions = safeReaddir('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v));
  versions.sort((a, b) => Number(b) - Number(a));
  candidates.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`));
  const onPath = findOnPath('initdb');
  if (onPath) candidates.push(join(onPath, '..'));
  return candidates.find((dir) => isExecutable(join(dir, 'initdb')) && isExecutable(join(dir, 'pg_ctl'))) ?? null;
}

async function createDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------- helpers

/** Asks the kernel for a free port by binding port 0, then releases it for the server. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `ready` until true; gives up early when `gone` says the process already died. */
async function waitFor(ready: () => Promise<boolean>, gone: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gone()) return false;
    if (await ready()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

function findOnPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return null;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function killFromPidFile(file: string, signal: NodeJS.Signals): void {
  if (!existsSync(file)) return;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  if (!pid) return;
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-3).join(' | ');
  } catch {
    return '';
  }
}
