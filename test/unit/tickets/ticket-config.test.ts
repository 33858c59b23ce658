import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { buildTicketModule } from '../../../src/crm/tickets/index.js';
import { loadTicketConfig, slaDueTimes } from '../../../src/crm/tickets/ticket.config.js';
describe('ticket config', () => {
  it('refuses a tickets.json with a missing priority and names it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'patron-tickets-cfg-'));
    try {
      writeFileSync(join(dir, 'tickets.json'), JSON.stringify({ sla: { low: { firstResponseHours: 1, resolutionHours: 2 } } }));
      expect(() => buildTicketModule({ db: null as never, clock: new ManualClock(), configDir: dir, notify: async () => {} })).toThrow(/sla\.normal/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ships a valid default config where a gold customer waits a quarter less', () => {
    const cfg = loadTicketConfig(new URL('../../../config', import.meta.url).pathname);
    const from = new Date('2026-01-01T00:00:00Z');
    const plain = slaDueTimes(cfg, 'normal', null, from);
    const gold = slaDueTimes(cfg, 'normal', 'Gold', from);
    expect(gold.resolutionDueAt.getTime() - from.getTime()).toBe(0.75 * (plain.resolutionDueAt.getTime() - from.getTime()));
    expect(slaDueTimes(cfg, 'normal', 'unknown-tier', from)).toEqual(plain);
  });
});
