import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { runNluCommand } from '../../../../src/cli/nlu.command.js';
import { syntheticExamples } from './synthetic-examples.js';

async function run(argv: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += String(c)));
  stderr.on('data', (c) => (err += String(c)));
  const code = await runNluCommand(argv, { stdin: Readable.from([stdin]), stdout, stderr });
  return { code, out, err };
}

const jsonl = (rows: object[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

describe('patron nlu', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'patron-nlu-test-'));
    process.env.DATA_DIR = dir;
    writeFileSync(path.join(dir, 'train.jsonl'), jsonl(syntheticExamples()));
    writeFileSync(path.join(dir, 'test.jsonl'), jsonl([
      { text: 'where is my parcel now', intent: 'track_order' },
      { text: 'refund my money', intent: 'get_refund' },
      { text: 'hey hello', intent: 'greeting' },
      { text: 'tell me a joke', intent: 'oos' },
    ]));
  });

  it('prints one JSON object with the headline metrics for eval --json', async () => {
    const { code, out } = await run(['eval', '--train', path.join(dir, 'train.jsonl'), '--test', path.join(dir, 'test.jsonl'), '--json']);
    expect(code).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0]);
    for (const key of ['inScopeAccuracy', 'oosRecall', 'oosPrecision', 'macroF1', 'trainSeconds', 'classifyP50Ms', 'classifyP99Ms', 'perIntent', 'confusion']) {
      expect(report).toHaveProperty(key);
    }
    expect(report.inScopeAccuracy).toBe(1);
    expect(report.oosRecall).toBe(1);
  });

  it('prints a human table for eval without --json and honours --threshold', async () => {
    const { code, out } = await run(['eval', '--train', path.join(dir, 'train.jsonl'), '--test', path.join(dir, 'test.jsonl'), '--threshold', '0.99']);
    expect(code).toBe(0);
    expect(out).toMatch(/in-scope accuracy/);
    expect(out).toMatch(/threshold 0\.99/);
  });

  it('names the file and line of a bad JSONL line and exits 2', async () => {
    const bad = path.join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"text":"hi","intent":"greeting"}\n{"text": "oops"\n');
    const { code, err } = await run(['eval', '--train', bad, '--test', path.join(dir, 'test.jsonl')]);
    expect(code).toBe(2);
    expect(err).toContain(`${bad}:2`);
    const missingIntent = path.join(dir, 'no-intent.jsonl');
    writeFileSync(missingIntent, '{"text":"hi"}\n');
    expect((await run(['eval', '--train', missingIntent, '--test', missingIntent])).err).toMatch(/no-intent\.jsonl:1: missing "intent"/);
  });

  it('reports a missing file and missing flags with exit code 2', async () => {
    const missing = await run(['eval', '--train', path.join(dir, 'nope.jsonl'), '--test', path.join(dir, 'test.jsonl')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/nope\.jsonl: cannot read file/);
    expect((await run(['eval', '--train', 'x'])).code).toBe(2);
    expect((await run(['frobnicate'])).err).toMatch(/unknown nlu command/);
    expect((await run(['eval', '--train', 'a', '--test', 'b', '--threshold', '7'])).err).toMatch(/--threshold/);
  });

  it('classifies stdin lines in order with the built-in model', async () => {
    const texts = ['where is my order A1023', 'hello', 'I want to cancel my order', 'what is the capital of peru', '我想查一下我的积分'];
    const { code, out } = await run(['classify', '--json'], jsonl(texts.map((text) => ({ text }))));
    expect(code).toBe(0);
    const rows = out.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((r) => r.text)).toEqual(texts);
    expect(rows.map((r) => r.intent)).toEqual(['track_order', 'greeting', 'cancel_order', 'oos', 'points_balance']);
    for (const r of rows) expect(r.confidence).toBeGreaterThan(0);
  });

  it('prints intent, confidence and text separated by tabs without --json', async () => {
    const { code, out } = await run(['classify'], '{"text":"thanks a lot"}\n');
    expect(code).toBe(0);
    expect(out).toMatch(/^thanks\t\d\.\d{4}\tthanks a lot\n$/);
  });

  it('rejects a bad stdin line with its line number and prints nothing else', async () => {
    const { code, out, err } = await run(['classify', '--json'], '{"text":"hi"}\n\nnot json\n');
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain('<stdin>:3');
  });
});
