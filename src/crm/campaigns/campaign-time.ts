import cron from 'node-cron';

const MINUTE = 60_000;

function validZone(tz: string | null | undefined, fallback: string): string {
  if (!tz) return fallback;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return tz;
  } catch {
    return fallback;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();
/** Wall-clock fields of `at` in `tz`. */
export function localParts(at: Date, tz: string): { year: number; month: number; day: number; hour: number; minute: number; weekday: number } {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', weekday: 'short' });
    formatters.set(tz, f);
  }
  const p = Object.fromEntries(f.formatToParts(at).map((x) => [x.type, x.value]));
  const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(p.weekday);
  return { year: +p.year, month: +p.month, day: +p.day, hour: +p.hour % 24, minute: +p.minute, weekday };
}

function toMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

/**
 * When the recipient's quiet hours end, if `at` falls inside them (in their zone, or `fallbackTz`
 * when theirs is missing or invalid); null when a message may go now.
 */
export function quietHoursEnd(at: Date, window: { start: string; end: string } | null, tz: string | null, fallbackTz: string): Date | null {
  if (!window) return null;
  const zone = validZone(tz, fallbackTz);
  const { hour, minute } = localParts(at, zone);
  const now = hour * 60 + minute;
  const start = toMinutes(window.start);
  const end = toMinutes(window.end);
  const inside = start <= end ? now >= start && now < end : now >= start || now < end;
  if (!inside) return null;
  const wait = (end - now + 1440) % 1440;
  // Whole minutes to the end, minus the seconds already gone in this minute.
  return new Date(at.getTime() + wait * MINUTE - (at.getTime() % MINUTE));
}

/** Parses `HH:MM-HH:MM` (e.g. CAMPAIGN_QUIET_HOURS=21:00-09:00); `off` disables quiet hours. */
export function parseQuietHours(v: string | undefined): { start: string; end: string } | null | undefined {
  if (v === undefined || v === '') return undefined;
  if (v === 'off') return null;
  const m = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/.exec(v.trim());
  if (!m) throw new Error(`CAMPAIGN_QUIET_HOURS must look like 21:00-09:00 or off (got ${JSON.stringify(v)})`);
  return { start: `${m[1]}:${m[2]}`, end: `${m[3]}:${m[4]}` };
}

/**
 * The next fire time of a cron expression in `timezone` strictly after `after`, to the minute
 * (a campaign does not need seconds). Skips whole hours/days that cannot match, so a yearly
 * expression is found in a few thousand steps. Null when nothing matches within 400 days.
 */
export function nextCronFire(expression: string, timezone: string, after: Date): Date | null {
  const f = cron.parse(expression);
  const minutes = new Set(f.minute);
  const hours = new Set(f.hour);
  const months = new Set(f.month);
  const dom = new Set(f.dayOfMonth.map(Number));
  const dow = new Set(f.dayOfWeek.map((x) => Number(x) % 7));
  const domAll = dom.size === 31;
  const dowAll = dow.size === 7;
  let t = Math.floor(after.getTime() / MINUTE) * MINUTE + MINUTE;
  const limit = after.getTime() + 400 * 86_400_000;
  while (t < limit) {
    const p = localParts(new Date(t), timezone);
    const dayOk = domAll && dowAll ? true : domAll ? dow.has(p.weekday) : dowAll ? dom.has(p.day) : dom.has(p.day) || dow.has(p.weekday);
    if (!months.has(p.month) || !dayOk) {
      t += ((23 - p.hour) * 60 + (60 - p.minute)) * MINUTE;
      continue;
    }
    if (!hours.has(p.hour)) {
      t += (60 - p.minute) * MINUTE;
      continue;
    }
    if (minutes.has(p.minute)) return new Date(t);
    t += MINUTE;
  }
  return null;
}
