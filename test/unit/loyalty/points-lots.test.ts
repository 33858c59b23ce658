import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { replayLots, summariseLots, type LotEntry } from '../../../src/crm/loyalty/points-lots.js';

const t = (d: number) => new Date(Date.UTC(2026, 0, 1) + d * 86_400_000);
let seq = 0;
const entry = (delta: number, kind: LotEntry['kind'], day: number, extra: Partial<LotEntry> = {}): LotEntry => ({
  id: String(++seq), delta, kind, orderId: null, lotId: null, availableAt: t(day), expiresAt: t(day + 365), createdAt: t(day), ...extra,
});

describe('points lots', () => {
  it('spends the lot that expires first', () => {
    const a = entry(100, 'earn_signup', 0);
    const b = entry(100, 'adjust', 10);
    const lots = replayLots([a, b, entry(-150, 'redeem', 20)]);
    expect(lots.map((l) => l.remaining)).toEqual([0, 50]);
  });

  it('spends available points before pending ones and takes a refund from its own order', () => {
    const ready = entry(100, 'earn_signup', 0);
    const pending = entry(300, 'earn_order', 5, { orderId: 'A', availableAt: t(35) });
    const lots = replayLots([ready, pending, entry(-50, 'redeem', 6), entry(-300, 'reverse_refund', 7, { orderId: 'A' })]);
    expect(lots.map((l) => l.remaining)).toEqual([50, 0]);
    expect(summariseLots(lots, t(8), 30 * 86_400_000)).toMatchObject({ available: 50, pending: 0 });
  });

  it('keeps available + pending equal to the sum of a ledger that never goes negative', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: -300, max: 300 }), fc.integer({ min: 0, max: 60 })), { maxLength: 30 }), (steps) => {
        const entries: LotEntry[] = [];
        let total = 0;
        let day = 0;
        for (const [delta, wait] of steps) {
          day += 1;
          const d = Math.max(delta, -total);
          if (d === 0) continue;
          total += d;
          entries.push(d > 0 ? entry(d, 'earn_order', day, { availableAt: t(day + wait) }) : entry(d, 'adjust', day));
        }
        const s = summariseLots(replayLots(entries), t(day), 0);
        expect(s.available + s.pending).toBe(total);
      }),
      { numRuns: 200 },
    );
  });
});
