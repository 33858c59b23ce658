import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
// Seven or more digits with optional separators: phone numbers, not order numbers like A1023.
const PHONE = /(?<![\w])\+?\d[\d\s().-]{6,}\d(?![\w])/g;
const TOKEN = /\b(?:Bearer\s+)?(?:xox[abpr]-[\w-]+|\d{6,}:[\w-]{30,}|[A-Za-z0-9_-]{32,})\b/g;

/** Replaces e-mail addresses, phone numbers and token-like strings in `text`. */
export function scrub(text: string): string {
  return text.replace(EMAIL, '[email]').replace(TOKEN, '[token]').replace(PHONE, '[phone]');
}

function scrubValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return scrub(value);
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrubValue(v, depth + 1);
  return out;
}

const REDACT_PATHS = [
  'token', '*.token', 'password', '*.password', 'authorization', '*.authorization',
  'headers.authorization', 'req.headers.authorization', 'req.headers["x-telegram-bot-api-secret-token"]',
  'req.headers["x-slack-signature"]', 'email', '*.email', 'phone', '*.phone', 'secret', '*.secret',
];

/**
 * The structured logger. Known secret fields are redacted by path, and every string value is
 * scrubbed of e-mails, phone numbers and tokens, so personal data never reaches the log sink.
 */
export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? 'info';
  return pino(
    {
      level,
      base: { app: 'patron' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      formatters: { log: (obj) => scrubValue(obj, 0) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((a) => (typeof a === 'string' ? scrub(a) : a)) as typeof args;
          method.apply(this, scrubbed);
        },
      },
    },
    options.destination ?? pino.destination({ fd: 2, sync: false }),
  );
}

/** A logger that writes nothing (tests, benchmarks). */
export const silentLogger: Logger = pino({ level: 'silent' });
