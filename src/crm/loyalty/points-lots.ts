import type { LedgerKind } from './loyalty.types.js';

/** The ledger columns the lot accounting needs. */
export interface LotEntry {
  id: string;
  delta: number;
  kind: LedgerKind;
  orderId: string | null;
  lotId: string | null;
  availableAt: Date | null;
  expiresAt: Date | null;
  createdAt: Date;
}

/** A positive ledger entry and what is left of it after every debit so far. */
export interface Lot {
  id: string;
  kind: LedgerKind;
  orderId: string | null;
  original: number;
  remaining: number;
  availableAt: Date;
  expiresAt: Date | null;
}

/** Kinds of credit that a refund of their order takes back. */
export const ORDER_LINKED_KINDS: readonly LedgerKind[] = ['earn_order', 'earn_first_order', 'earn_birthday'];

/**
 * Replays a member's ledger (in id order) into lots with what remains of each. Debits are
 * consumed first-in-first-out: an `expire` retires its own lot, a `reverse_refund` takes from its
 * order's lots first, and anything else (redeem, negative adjust, leftovers) takes from lots that
 * were available at the time, oldest expiry first, then from the rest.
 */
export function replayLots(entries: readonly LotEntry[]): Lot[] {
  const lots: Lot[] = [];
  const sorted = [...entries].sort((a, b) => compareIds(a.id, b.id));
  for (const e of sorted) {
    if (e.delta > 0) {
      lots.push({
        id: e.id,
        kind: e.kind,
        orderId: e.orderId,
        original: e.delta,
        remaining: e.delta,
        availableAt: e.availableAt ?? e.createdAt,
        expiresAt: e.expiresAt,
      });
      continue;
    }
    if (e.delta === 0) continue;
    let owed = -e.delta;
    if (e.kind === 'expire' && e.lotId) owed = take(lots.filter((l) => l.id === e.lotId), owed);
    if (e.kind === 'reverse_refund' && e.orderId) {
      owed = take(lots.filter((l) => l.orderId === e.orderId && ORDER_LINKED_KINDS.includes(l.kind)), owed);
    }
    const ready = lots.filter((l) => l.availableAt <= e.createdAt);
    owed = take(byExpiry(ready), owed);
    take(byExpiry(lots), owed);
  }
  return lots;
}

function take(lots: Lot[], owed: number): number {
  for (const lot of lots) {
    if (owed <= 0) break;
    const used = Math.min(lot.remaining, owed);
    lot.remaining -= used;
    owed -= used;
  }
  return owed;
}

function byExpiry(lots: Lot[]): Lot[] {
  const t = (l: Lot) => l.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
  return [...lots].sort((a, b) => t(a) - t(b) || compareIds(a.id, b.id));
}

/** Bigserial ids arrive as strings: compare them numerically. */
function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** Splits what remains into spendable and pending at `now`, plus lots expiring within `soonMs`. */
export function summariseLots(lots: readonly Lot[], now: Date, soonMs: number) {
  let available = 0;
  let pending = 0;
  const soon = new Map<number, number>();
  for (const lot of lots) {
    if (lot.remaining <= 0) continue;
    if (lot.availableAt <= now) available += lot.remaining;
    else pending += lot.remaining;
    const exp = lot.expiresAt?.getTime();
    if (exp !== undefined && exp - now.getTime() <= soonMs) soon.set(exp, (soon.get(exp) ?? 0) + lot.remaining);
  }
  const expiringSoon = [...soon.entries()].sort((a, b) => a[0] - b[0]).map(([at, points]) => ({ points, at: new Date(at) }));
  return { available, pending, expiringSoon };
}
