import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CONFIG_DIR } from '../../../src/core/config.js';
import { loadLoyaltyConfig } from '../../../src/crm/loyalty/loyalty.config.js';
import { addMonths, nextReviewDate } from '../../../src/crm/loyalty/loyalty-dates.js';

const dir = mkdtempSync(join(tmpdir(), 'patron-loyalty-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function withLoyalty(mutate: (cfg: any) => void): string {
  const cfg = JSON.parse(readFileSync(join(CONFIG_DIR, 'loyalty.json'), 'utf8'));
  mutate(cfg);
  writeFileSync(join(dir, 'loyalty.json'), JSON.stringify(cfg));
  writeFileSync(join(dir, 'rewards.json'), readFileSync(join(CONFIG_DIR, 'rewards.json')));
  return dir;
}

describe('loyalty config', () => {
  it('loads the shipped loyalty and rewards files with four tiers named in English and Chinese', () => {
    const { loyalty, rewards } = loadLoyaltyConfig(CONFIG_DIR);
    expect(loyalty.tiers.levels.map((l) => `${l.id}:${l.name['zh-CN']}`)).toEqual(['bronze:铜牌', 'silver:银牌', 'gold:金牌', 'diamond:钻石']);
    expect(rewards.length).toBeGreaterThan(0);
  });

  it('names the file and field when tier thresholds do not rise', () => {
    const d = withLoyalty((c) => (c.tiers.levels[2].threshold = 10));
    expect(() => loadLoyaltyConfig(d)).toThrow('config file loyalty.json: tiers.levels.2.threshold must be higher than the tier before it');
  });

  it('refuses an unknown programme mode', () => {
    const d = withLoyalty((c) => (c.programme.mode = 'secret'));
    expect(() => loadLoyaltyConfig(d)).toThrow(/loyalty.json: programme.mode/);
  });

  it('refuses a premium tier that is not on the ladder', () => {
    const d = withLoyalty((c) => (c.measures.premiumFromTier = 'platinum'));
    expect(() => loadLoyaltyConfig(d)).toThrow(/measures.premiumFromTier must name one of the tiers/);
  });
});

describe('loyalty dates', () => {
  it('adds months clamping to the end of a shorter month', () => {
    expect(addMonths(new Date('2026-01-31T10:00:00Z'), 1).toISOString()).toBe('2026-02-28T10:00:00.000Z');
    expect(addMonths(new Date('2026-03-15T00:00:00Z'), -12).toISOString()).toBe('2025-03-15T00:00:00.000Z');
  });

  it('finds the next anniversary review after now, however long ago the member joined', () => {
    const joined = new Date('2020-05-10T00:00:00Z');
    expect(nextReviewDate({ type: 'anniversary', months: 12 }, joined, new Date('2026-05-09T00:00:00Z')).toISOString()).toBe('2026-05-10T00:00:00.000Z');
    expect(nextReviewDate({ type: 'anniversary', months: 12 }, joined, new Date('2026-05-10T00:00:00Z')).toISOString()).toBe('2027-05-10T00:00:00.000Z');
  });

  it('finds the next fixed-date review', () => {
    const now = new Date('2026-02-01T00:00:00Z');
    expect(nextReviewDate({ type: 'fixed', month: 1, day: 1 }, now, now).toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });
});
