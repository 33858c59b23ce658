import type { LoyaltyConfig } from './loyalty.config.js';

const DAY_MS = 86_400_000;

export function addDays(at: Date, days: number): Date {
  return new Date(at.getTime() + days * DAY_MS);
}

/** Adds calendar months in UTC, clamping to the month's last day (Jan 31 + 1 month = Feb 28/29). */
export function addMonths(at: Date, months: number): Date {
  const d = new Date(at.getTime());
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return d;
}

/** The first tier review date strictly after `now`, per the configured cadence. */
export function nextReviewDate(review: LoyaltyConfig['review'], joinedAt: Date, now: Date): Date {
  if (review.type === 'anniversary') {
    let k = 1;
    let next = addMonths(joinedAt, review.months);
    // Jump close first so a member of many years does not loop year by year.
    const elapsed = Math.floor((now.getTime() - joinedAt.getTime()) / (DAY_MS * 31 * review.months));
    if (elapsed > 1) {
      k = elapsed;
      next = addMonths(joinedAt, review.months * k);
    }
    while (next <= now) next = addMonths(joinedAt, review.months * ++k);
    return next;
  }
  let year = now.getUTCFullYear();
  let next = new Date(Date.UTC(year, review.month - 1, review.day));
  while (next <= now) next = new Date(Date.UTC(++year, review.month - 1, review.day));
  return next;
}
