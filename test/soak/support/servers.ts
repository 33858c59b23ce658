/**
 * Private servers a fault test can kill and restart: a redis-server and a PostgreSQL cluster on
 * free ports, started the same way as test/setup/global-servers.ts (as the postgres user when root).
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, chmodSync, chownSync, constants, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '../../../bench/startup.bench.js';

const run = promisify(execFile);

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // next
    }
  }
  return null;
}

function redisUp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => (s.destroy(), resolve(ok));
    s.setTimeout(500, () => done(false));
    s.once('error', () => done(false));
    s.once('connect', () => s.write('PING\r\n'));
    s.once('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

async function until(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not come up within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A redis-server on a fixed port that can be killed (SIGKILL) and started again on the same port. */
export class OwnRedis {
  private child: ChildProcess | null = null;
  private constructor(readonly port: number, private readonly bin: string) {}

  static async create(): Promise<OwnRedis | null> {
    const bin = onPath('redis-server');
    if (!bin) return null;
    const r = new OwnRedis(await freePort(), bin);
    await r.start();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.child = spawn(this.bin, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], { stdio: 'ignore' });
    await until(() => redisUp(this.port), 10_000, 'redis-server');
  }

  async kill(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await gone;
  }
}

/** A throwaway PostgreSQL cluster that can be stopped hard and started again on the same port. */
export class OwnPostgres {
  private constructor(
    readonly port: number,
    private readonly bin: string,
    private readonly root: string,
    private readonly cmd: (file: string, args: string[]) => [string, string[]],
  ) {}

  static async create(): Promise<OwnPostgres | null> {
    const versions = safeReaddir('/usr/lib/postgresql').filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a));
    const bin = versions.map((v) => `/usr/lib/postgresql/${v}/bin`).find((b) => safeExec(join(b, 'initdb')) && safeExec(join(b, 'pg_ctl')));
    if (!bin) return null;
    let cmd = (file: string, args: string[]): [string, string[]] => [file, args];
    const root = mkdtempSync(join(tmpdir(), 'patron-fault-pg-'));
    chmodSync(root, 0o755);
    if (process.getuid?.() === 0) {
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
      chownSync(root, uid, gid);
      const runuser = onPath('runuser')!;
      cmd = (file, args) => [runuser, ['-u', 'postgres', '--', file, ...args]];
    }
    const p = new OwnPostgres(await freePort(), bin, root, cmd);
    await run(...cmd(join(bin, 'initdb'), ['-D', join(root, 'data'), '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '-N']));
    await p.start();
    const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${p.port}/postgres` });
    await admin.connect();
    await admin.query('create database patron_fault');
    await admin.end();
    return p;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/patron_fault`;
  }

  async start(): Promise<void> {
    const opts = `-p ${this.port} -k ${this.root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`;
    await run(...this.cmd(join(this.bin, 'pg_ctl'), ['-D', join(this.root, 'data'), '-l', join(this.root, 'server.log'), '-w', '-t', '30', '-o', opts, 'start']));
  }

  /** Immediate shutdown: connections are cut, like a crash of the server. */
  async stop(): Promise<void> {
    await run(...this.cmd(join(this.bin, 'pg_ctl'), ['-D', join(this.root, 'data'), '-m', 'immediate', '-w', 'stop'])).catch(() => {});
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.root, { recursive: true, force: true });
  }
}

function safeExec(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
