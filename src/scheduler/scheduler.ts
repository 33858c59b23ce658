import cron, { type RunCoordinator, type ScheduledTask } from 'node-cron';
import { AppError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Coordination } from '../storage/coordination.js';

/** A recurring job: campaign triggers, tier review, points expiry, SLA checks … */
export interface Job {
  name: string;
  /** node-cron expression (5 fields, or 6 with seconds). */
  cron: string;
  /** IANA zone the expression is read in (default: TZ / UTC). */
  timezone?: string;
  run(firedAt: Date): Promise<unknown>;
}

/**
 * Elects one instance per fire through the coordination store (SET NX PX on Redis), so with N app
 * instances a job still runs once per scheduled time. The key is `<job>:<slot ISO time>`.
 */
export class CoordinationRunCoordinator implements RunCoordinator {
  constructor(private readonly coordination: Coordination, private readonly instance = `${process.pid}`) {}

  async shouldRun(key: string, ttlMs: number): Promise<boolean> {
    return this.coordination.set(`cron:${key}`, this.instance, Math.max(ttlMs ?? 0, 60_000), true);
  }
}

/** Runs the registered jobs on their schedules, once per fire across all instances. */
export class Scheduler {
  private readonly tasks = new Map<string, { job: Job; task?: ScheduledTask }>();
  private readonly coordinator: CoordinationRunCoordinator;
  private running = false;
  /** Runs under way (scheduled or `runNow`), so `stop` can let them finish before the stores close. */
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(coordination: Coordination, private readonly log: Logger, private readonly defaultTimezone?: string) {
    this.coordinator = new CoordinationRunCoordinator(coordination);
  }

  add(job: Job): void {
    if (!cron.validate(job.cron)) throw new AppError('config_invalid', `job ${job.name}: "${job.cron}" is not a valid cron expression`);
    if (this.tasks.has(job.name)) throw new AppError('conflict', `job ${job.name} is registered twice`);
    this.tasks.set(job.name, { job });
    if (this.running) this.schedule(job.name);
  }

  start(): void {
    this.running = true;
    for (const name of this.tasks.keys()) this.schedule(name);
  }

  /**
   * Stops firing, then waits up to `graceMs` for runs under way: a job cut off by the store closing
   * under it would only roll back and log an error, and its work would wait for the next fire.
   */
  async stop(graceMs = 30_000): Promise<void> {
    this.running = false;
    for (const entry of this.tasks.values()) {
      await entry.task?.destroy();
      entry.task = undefined;
    }
    if (this.inFlight.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((r) => (timer = setTimeout(() => r(true), graceMs)));
    const finished = Promise.allSettled([...this.inFlight]).then(() => false);
    if (await Promise.race([finished, timedOut])) this.log.warn({ running: this.inFlight.size, graceMs }, 'scheduled jobs still running at shutdown');
    clearTimeout(timer);
  }

  /** Next fire time of a job (for the admin UI and tests). */
  nextRun(name: string): Date | null {
    return this.tasks.get(name)?.task?.getNextRun() ?? null;
  }

  /** Runs a job now on this instance (admin "run now", tests), outside the election. */
  async runNow(name: string, at = new Date()): Promise<unknown> {
    const entry = this.tasks.get(name);
    if (!entry) throw new AppError('not_found', `no job named ${name}`);
    return this.track(entry.job.run(at));
  }

  private track<T>(run: Promise<T>): Promise<T> {
    this.inFlight.add(run);
    const done = () => void this.inFlight.delete(run);
    run.then(done, done);
    return run;
  }

  private schedule(name: string): void {
    const entry = this.tasks.get(name)!;
    const { job } = entry;
    entry.task = cron.schedule(
      job.cron,
      async (ctx) => {
        try {
          await this.track(job.run(ctx.date));
        } catch (err) {
          this.log.error({ err, job: job.name }, 'scheduled job failed');
        }
      },
      {
        name: job.name, timezone: job.timezone ?? this.defaultTimezone, noOverlap: true, unref: true,
        distributed: true, runCoordinator: this.coordinator, suppressMissedWarning: true,
      },
    );
  }
}
