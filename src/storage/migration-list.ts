import type { Migration } from 'kysely';
import * as m0001 from './migrations/0001-foundation.js';
import * as m0002 from './migrations/0002-customers-orders.js';
import * as m0003 from './migrations/0003-catalog.js';
import * as m0004 from './migrations/0004-loyalty.js';
import * as m0005 from './migrations/0005-tickets.js';
import * as m0006 from './migrations/0006-segments.js';
import * as m0007 from './migrations/0007-handoff.js';
import * as m0008 from './migrations/0008-staff.js';
import * as m0009 from './migrations/0009-handoff-queue.js';
import * as m0010 from './migrations/0010-campaigns.js';
import * as m0011 from './migrations/0011-admin.js';
import * as m0012 from './migrations/0012-slack-desk.js';
import * as m0013 from './migrations/0013-outbox-send-started.js';
import * as m0014 from './migrations/0014-commit-turns-function.js';
import * as m0015 from './migrations/0015-conversations-hot-updates.js';
import * as m0016 from './migrations/0016-slack-desk-claims.js';
import * as m0017 from './migrations/0017-no-statistics-for-message-bodies.js';
import * as m0018 from './migrations/0018-commit-turns-returns-keys.js';

/**
 * Every migration shipped, by name (the file name without extension), in order. A static list rather
 * than a folder scan: no per-file dynamic import at start-up, and it works the same from src/, dist/
 * and the start-up bundle. test/unit/storage/migration-list.test.ts fails when a file is missing here.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-foundation': m0001,
  '0002-customers-orders': m0002,
  '0003-catalog': m0003,
  '0004-loyalty': m0004,
  '0005-tickets': m0005,
  '0006-segments': m0006,
  '0007-handoff': m0007,
  '0008-staff': m0008,
  '0009-handoff-queue': m0009,
  '0010-campaigns': m0010,
  '0011-admin': m0011,
  '0012-slack-desk': m0012,
  '0013-outbox-send-started': m0013,
  '0014-commit-turns-function': m0014,
  '0015-conversations-hot-updates': m0015,
  '0016-slack-desk-claims': m0016,
  '0017-no-statistics-for-message-bodies': m0017,
  '0018-commit-turns-returns-keys': m0018,
};

export const MIGRATION_NAMES: readonly string[] = Object.keys(MIGRATIONS).sort();
