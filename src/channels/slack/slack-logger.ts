import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../../core/logger.js';

/** Bolt's logger interface over our pino logger, so SDK messages share our format and PII scrubbing. */
export function boltLogger(log: Logger): BoltLogger {
  let name = 'bolt';
  const line = (msg: unknown[]) => msg.map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m))).join(' ');
  return {
    debug: (...msg) => log.debug({ sdk: name }, line(msg)),
    // Bolt's info lines are connection chatter; ours at info level would drown the app's own.
    info: (...msg) => log.debug({ sdk: name }, line(msg)),
    warn: (...msg) => log.warn({ sdk: name }, line(msg)),
    error: (...msg) => log.error({ sdk: name }, line(msg)),
    // Our logger's level is set once from LOG_LEVEL; bolt asking for another is ignored.
    setLevel: () => {},
    getLevel: () => LogLevel.DEBUG,
    setName: (n) => {
      name = n;
    },
  };
}
