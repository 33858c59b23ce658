import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { AppError } from './errors.js';
import { isTimeZone } from './time-zone.js';
import { LOCALES, type Locale } from './message.js';

/**
 * Repository root (the folder holding package.json and config/): the nearest folder above this
 * module with Patron's package.json. Walking up (rather than a fixed `../..`) keeps it right for
 * src/ under tsx, dist/ in the image, and the start-up bundle under node_modules/.cache (bin/bundle.js).
 */
export const ROOT_DIR = findRoot(dirname(fileURLToPath(import.meta.url)));

export const CONFIG_DIR = join(ROOT_DIR, 'config');

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && existsSync(join(dir, 'config')) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'patron') return dir;
    if (dirname(dir) === dir) return resolve(from, '..', '..');
  }
}

const optionalString = z
  .string()
  .transform((v) => v.trim())
  .optional()
  .transform((v) => (v ? v : undefined));

/** A rate limit as `points/seconds` (read by `parseRate`), or `off`; `example` and `what` make the message. */
const rate = (example: string, what: string) =>
  optionalString.refine((v) => v === undefined || v === 'off' || /^[1-9]\d*\/[1-9]\d*$/.test(v), `must look like ${example} (${what} per seconds), or off`);

/** An on/off switch: `true`/`1` or `false`/`0`. */
const flag = (byDefault: boolean) =>
  z.enum(['true', 'false', '1', '0'], { message: 'must be 1/true or 0/false' }).default(byDefault ? 'true' : 'false').transform((v) => v === 'true' || v === '1');

const url = (protocols: string[]) =>
  optionalString.refine(
    (v) => {
      if (v === undefined) return true;
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
  );

const port = z.coerce
  .number({ message: 'must be a whole number' })
  .int('must be a whole number')
  .min(0, 'must be between 0 and 65535')
  .max(65535, 'must be between 0 and 65535');

const envSchema = z.object({
  PORT: port.default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: url(['postgres:', 'postgresql:']),
  REDIS_URL: url(['redis:', 'rediss:']),
  ADMIN_TOKEN: optionalString.refine((v) => v === undefined || v.length >= 16, 'must be at least 16 characters'),
  SHOP_WEBHOOK_SECRET: optionalString,
  TELEGRAM_BOT_TOKEN: optionalString.refine((v) => v === undefined || /^\d+:[\w-]+$/.test(v), 'must look like 123456:ABC-def (from BotFather)'),
  TELEGRAM_API_ROOT: url(['http:', 'https:']),
  TELEGRAM_MODE: z.enum(['polling', 'webhook'], { message: 'must be polling or webhook' }).default('polling'),
  TELEGRAM_WEBHOOK_SECRET: optionalString.refine((v) => v === undefined || /^[A-Za-z0-9_-]{1,256}$/.test(v), 'may hold only A-Z, a-z, 0-9, _ and - (1-256 characters)'),
  TELEGRAM_WEBHOOK_URL: url(['https:', 'http:']),
  TELEGRAM_WEBHOOK_MAX_CONNECTIONS: z.coerce.number({ message: 'must be a whole number from 1 to 100' }).int('must be a whole number from 1 to 100').min(1, 'must be a whole number from 1 to 100').max(100, 'must be a whole number from 1 to 100').default(40),
  SLACK_BOT_TOKEN: optionalString,
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_API_URL: url(['http:', 'https:']),
  SLACK_APP_TOKEN: optionalString.refine((v) => v === undefined || v.startsWith('xapp-'), 'must start with xapp- (an app-level token, for Socket Mode)'),
  SLACK_AGENT_CHANNEL: optionalString,
  DEFAULT_LOCALE: z.enum(LOCALES as [Locale, ...Locale[]], { message: `must be one of ${LOCALES.join(', ')}` }).default('en'),
  TZ: optionalString.refine((v) => v === undefined || isTimeZone(v), 'must be an IANA time zone such as Europe/Berlin'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SMTP_URL: url(['smtp:', 'smtps:']),
  MAIL_FROM: optionalString,
  PUBLIC_URL: url(['http:', 'https:']),
  EMAIL_RATE_PER_SEC: optionalString.refine((v) => v === undefined || (Number(v) > 0 && Number(v) <= 1000), 'must be messages per second (1-1000)'),
  CAMPAIGN_QUIET_HOURS: optionalString.refine((v) => v === undefined || v === 'off' || /^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/.test(v), 'must look like 21:00-09:00, or off'),
  CAMPAIGN_FREQUENCY_CAP: optionalString.refine((v) => v === undefined || /^[1-9]\d{0,2}\/[1-9]\d?$/.test(v), 'must look like 2/7 (messages/days)'),
  CAMPAIGN_MAX_IN_FLIGHT: optionalString.refine((v) => v === undefined || /^[1-9]\d{0,5}$/.test(v), 'must be a positive whole number'),
  UNSUBSCRIBE_SECRET: optionalString.refine((v) => v === undefined || v.length >= 16, 'must be at least 16 characters'),
  CHAT_RATE_LIMIT: rate('30/10', 'messages'),
  CHAT_IP_RATE_LIMIT: rate('120/10', 'messages'),
  SIGN_IN_RATE_LIMIT: rate('10/900', 'attempts'),
  HANDOFF_IDLE_MINUTES: z.coerce.number({ message: 'must be a whole number of minutes' }).int('must be a whole number of minutes').min(1, 'must be at least 1').max(10080, 'must be at most 10080 (a week)').default(15),
  TRUST_PROXY: z.string().min(1).default('loopback'),
  BOTKIT_WEB: flag(false),
  DEMO_DATA: flag(true),
  /** Embedded PGlite in a worker thread instead of on the main thread (~15 MB more memory; a gain needs spare cores). */
  PGLITE_WORKER: flag(false),
  /** Let V8 optimise PGlite's WebAssembly (TurboFan): heavy SQL (imports, segments, campaigns) ~30% less time, ~50 MB more memory. */
  PGLITE_OPTIMIZE: flag(false),
});


export type Env = z.infer<typeof envSchema>;

/** Runtime configuration: validated environment plus the files under config/. */
export interface AppConfig {
  env: Env;
  /** DATA_DIR resolved to an absolute path. */
  dataDir: string;
  configDir: string;
}

/**
 * Validates the environment. A bad value throws AppError('config_invalid') whose message is one
 * line naming the variable, e.g. `PORT must be a whole number (got "abc")`.
 */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const result = envSchema.safeParse(source);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const name = String(issue.path[0] ?? 'environment');
  const got = source[name];
  const shown = got === undefined ? '' : ` (got ${JSON.stringify(redactIfSecret(name, got))})`;
  throw new AppError('config_invalid', `${name} ${issue.message}${shown}`);
}

function redactIfSecret(name: string, value: string): string {
  return /TOKEN|SECRET|PASSWORD/.test(name) ? `${value.slice(0, 2)}…` : value;
}

/** Loads and validates the whole configuration. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env, configDir = CONFIG_DIR): AppConfig {
  const env = loadEnv(source);
  return { env, dataDir: resolve(env.DATA_DIR), configDir };
}

/**
 * Reads `config/<name>` as JSON and validates it with `schema`; a bad file throws one line naming
 * the file and the first bad field.
 */
export function readConfigFile<T>(configDir: string, name: string, schema: z.ZodType<T>): T {
  const path = join(configDir, name);
  if (!existsSync(path)) throw new AppError('config_invalid', `config file ${name} is missing (looked in ${configDir})`);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new AppError('config_invalid', `config file ${name} is not valid JSON: ${(err as Error).message}`);
  }
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new AppError('config_invalid', `config file ${name}: ${issue.path.join('.') || '(root)'} ${issue.message}`);
}

/** Parses a `points/seconds` limit ("30/10"); "off" → a limit no client reaches; undefined → `fallback`. */
export function parseRate(value: string | undefined, fallback: { points: number; durationMs: number }): { points: number; durationMs: number } {
  if (value === undefined) return fallback;
  if (value === 'off') return { points: Number.MAX_SAFE_INTEGER, durationMs: 1000 };
  const [points, seconds] = value.split('/').map(Number);
  return { points, durationMs: seconds * 1000 };
}
