import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, scrub } from '../../../src/core/logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { lines, log: createLogger({ level: 'info', destination }) };
}

describe('logging', () => {
  it('scrubs e-mail addresses, phone numbers and bot tokens from text', () => {
    const out = scrub('mail ana@example.com call +1 (415) 555-0100 token 123456789:AAHk2k3j4k5j6k7j8k9j0k1j2k3j4k5j6k7 order A1023');
    expect(out).not.toContain('ana@example.com');
    expect(out).not.toContain('555-0100');
    expect(out).not.toContain('AAHk2k3');
    expect(out).toContain('A1023');
  });

  it('redacts secrets and personal data in structured fields and messages', () => {
    const { lines, log } = capture();
    log.info({ email: 'bob@example.com', nested: { token: 'abc', text: 'my phone is 13812345678' } }, 'user bob@example.com wrote');
    log.flush?.();
    const line = lines.join('');
    expect(line).not.toContain('bob@example.com');
    expect(line).not.toContain('13812345678');
    expect(line).not.toContain('"abc"');
    expect(line).toContain('[redacted]');
  });
});
