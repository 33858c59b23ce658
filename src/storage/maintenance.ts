import { sql } from 'kysely';
import type { Logger } from '../core/logger.js';
import type { Job } from '../scheduler/scheduler.js';
import type { Db, Store } from './database.js';

/**
 * Autovacuum for the embedded store. PGlite runs PostgreSQL in single-user mode: `autovacuum` reads
 * `on`, but no launcher process exists, so nothing is ever vacuumed or analysed. Measured before this
 * job existed: 4,000 web-chat turns on 8 conversations left 4,000 dead row versions in
 * `conversations` (40 KB → 295 KB for 8 rows, every index growing with it), and a 100k-customer
 * import left the planner without statistics until someone ran ANALYZE by hand.
 *
 * Each run reads the per-table counters PostgreSQL keeps anyway (pg_stat_user_tables) and applies
 * autovacuum's own rules with the server's own settings (`autovacuum_*_threshold`/`_scale_factor`,
 * `autovacuum_freeze_max_age`), so the embedded store behaves like a PostgreSQL server with default
 * autovacuum. Per-table storage parameters that override those settings are not read. PGlite keeps
 * the counters only while it is open, so a table never processed at all is also picked (its
 * `reltuples` is still -1): that covers data written before the current start.
 */
export interface TableCare {
  table: string;
  vacuum: boolean;
  analyze: boolean;
  /** Why, for the log: which rule fired, with its counts. */
  reason: string;
}

interface TableStats {
  table: string;
  live: number;
  dead: number;
  modified: number;
  inserted: number;
  xid_age: number;
  /** pg_class.reltuples: -1 until the table's first VACUUM or ANALYZE. */
  estimated_rows: number;
  bytes: number;
  vacuum_threshold: number;
  vacuum_scale: number;
  insert_threshold: number;
  insert_scale: number;
  analyze_threshold: number;
  analyze_scale: number;
  freeze_max_age: number;
}

/** The tables autovacuum would pick now, by its rules (dead rows, inserted rows, xid age; modified rows for ANALYZE). */
export async function tablesNeedingCare(db: Db): Promise<TableCare[]> {
  const { rows } = await sql<TableStats>`
    select s.relname as table, s.n_live_tup::float8 as live, s.n_dead_tup::float8 as dead,
      s.n_mod_since_analyze::float8 as modified, s.n_ins_since_vacuum::float8 as inserted, age(c.relfrozenxid)::float8 as xid_age,
      c.reltuples::float8 as estimated_rows, pg_relation_size(c.oid)::float8 as bytes,
      current_setting('autovacuum_vacuum_threshold')::float8 as vacuum_threshold,
      current_setting('autovacuum_vacuum_scale_factor')::float8 as vacuum_scale,
      current_setting('autovacuum_vacuum_insert_threshold')::float8 as insert_threshold,
      current_setting('autovacuum_vacuum_insert_scale_factor')::float8 as insert_scale,
      current_setting('autovacuum_analyze_threshold')::float8 as analyze_threshold,
      current_setting('autovacuum_analyze_scale_factor')::float8 as analyze_scale,
      current_setting('autovacuum_freeze_max_age')::float8 as freeze_max_age
    from pg_stat_user_tables s join pg_class c on c.oid = s.relid
    where s.schemaname = current_schema()
    order by s.relname`.execute(db);
  const care: TableCare[] = [];
  for (const t of rows) {
    const reasons: string[] = [];
    const deadLimit = t.vacuum_threshold + t.vacuum_scale * t.live;
    const insertLimit = t.insert_threshold + t.insert_scale * t.live;
    const analyzeLimit = t.analyze_threshold + t.analyze_scale * t.live;
    if (t.dead > deadLimit) reasons.push(`${t.dead} dead rows > ${Math.round(deadLimit)}`);
    // -1 switches the insert rule off, as in PostgreSQL.
    if (t.insert_threshold >= 0 && t.inserted > insertLimit) reasons.push(`${t.inserted} rows inserted since the last vacuum > ${Math.round(insertLimit)}`);
    if (t.xid_age > t.freeze_max_age) reasons.push(`transaction id age ${t.xid_age} > ${t.freeze_max_age}`);
    // PGlite does not keep these counters across a restart; a table written before this process
    // started and never processed is found by its catalog entry instead.
    const neverProcessed = t.estimated_rows < 0 && t.bytes > 0;
    if (neverProcessed) reasons.push('never vacuumed or analysed');
    const vacuum = reasons.length > 0;
    const changed = t.modified > analyzeLimit;
    if (changed) reasons.push(`${t.modified} rows changed since the last analyze > ${Math.round(analyzeLimit)}`);
    const analyze = neverProcessed || changed;
    if (vacuum || analyze) care.push({ table: t.table, vacuum, analyze, reason: reasons.join('; ') });
  }
  return care;
}

export interface MaintenanceRun {
  vacuumed: string[];
  analyzed: string[];
  ms: number;
}

/** Vacuums and/or analyses each table that needs it, one statement at a time (VACUUM cannot run in a transaction). */
export async function maintainTables(db: Db, log?: Logger): Promise<MaintenanceRun> {
  const started = performance.now();
  const run: MaintenanceRun = { vacuumed: [], analyzed: [], ms: 0 };
  for (const t of await tablesNeedingCare(db)) {
    const began = performance.now();
    const table = sql.table(t.table);
    if (t.vacuum) await sql`vacuum ${t.analyze ? sql.raw('(analyze) ') : sql.raw('')}${table}`.execute(db);
    else await sql`analyze ${table}`.execute(db);
    if (t.vacuum) run.vacuumed.push(t.table);
    if (t.analyze) run.analyzed.push(t.table);
    log?.debug({ table: t.table, vacuum: t.vacuum, analyze: t.analyze, reason: t.reason, ms: Math.round(performance.now() - began) }, 'table maintained');
  }
  run.ms = performance.now() - started;
  // One line per pass that did something (the first start touches every table once).
  if (run.vacuumed.length || run.analyzed.length) log?.info({ vacuumed: run.vacuumed, analyzed: run.analyzed, ms: Math.round(run.ms) }, 'table maintenance');
  return run;
}

/**
 * The scheduler job for the embedded store (PostgreSQL servers run their own autovacuum): checks
 * once a minute, which costs one catalog query (4–6 ms measured) when nothing is due. While a table
 * is vacuumed, every other query waits for PGlite's single connection. Measured after 20,000 chat
 * turns: VACUUM (ANALYZE) 201 ms on outbox and 110 ms on inbound_messages (634 and 135 ms before
 * migration 0017 took message bodies out of ANALYZE; VACUUM itself is ~20 ms of that); the whole
 * database with 100k customers 0.84 s the first time, 0.64 s again.
 */
export function tableMaintenanceJob(store: Store, log: Logger): Job | null {
  if (store.kind !== 'pglite') return null;
  return { name: 'table-maintenance', cron: '41 * * * * *', run: () => maintainTables(store.db, log) };
}
