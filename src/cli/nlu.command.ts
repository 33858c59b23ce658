/**
 * `patron nlu …`: evaluate the intent engine on labelled JSONL files, or classify JSONL from stdin
 * with the built-in model.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadBuiltInEngine } from '../flows/nlu/built-in.js';
import { DatasetError, parseJsonl, readExamplesFile } from '../flows/nlu/datasets.js';
import { evaluate, type EvaluationReport } from '../flows/nlu/eval.js';
import { IntentEngine } from '../flows/nlu/intent-engine.js';

/** Streams the command talks to; tests pass in-memory ones. */
export interface CommandIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const USAGE = `usage:
  patron nlu eval --train FILE --test FILE [--json] [--threshold X]
  patron nlu classify [--json] < lines.jsonl
Files are JSONL, one {"text": "...", "intent": "..."} per line; intent "oos" means out of scope.
classify reads {"text": "..."} lines and answers with the built-in model.
`;

/** A usage mistake: reported with the usage text, exit code 2. */
class UsageError extends Error {}

/** Runs `nlu <subcommand> …`; resolves to the process exit code (0 ok, 2 bad usage or input). */
export async function runNluCommand(argv: string[], io: CommandIo): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    if (sub === 'eval') return await runEval(rest, io);
    if (sub === 'classify') return await runClassify(rest, io);
    if (sub === undefined || sub === 'help' || sub === '--help' || sub === '-h') {
      io.stdout.write(USAGE);
      return sub === undefined ? 2 : 0;
    }
    throw new UsageError(`unknown nlu command "${sub}"`);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`patron nlu: ${err.message}\n${USAGE}`);
      return 2;
    }
    if (err instanceof DatasetError) {
      io.stderr.write(`patron nlu: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

function parse(args: string[], options: NonNullable<ParseArgsConfig['options']>): Record<string, string | boolean | (string | boolean)[] | undefined> {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

async function runEval(args: string[], io: CommandIo): Promise<number> {
  const values = parse(args, {
    train: { type: 'string' },
    test: { type: 'string' },
    json: { type: 'boolean', default: false },
    threshold: { type: 'string' },
  });
  if (typeof values.train !== 'string' || typeof values.test !== 'string') throw new UsageError('eval needs --train FILE and --test FILE');
  const threshold = values.threshold === undefined ? undefined : Number(values.threshold);
  if (threshold !== undefined && !(threshold >= 0 && threshold <= 1)) {
    throw new UsageError(`--threshold must be a number from 0 to 1, got "${String(values.threshold)}"`);
  }
  const train = await readExamplesFile(values.train);
  const test = await readExamplesFile(values.test);
  const started = performance.now();
  const engine = IntentEngine.train(train, threshold === undefined ? {} : { threshold });
  const trainSeconds = (performance.now() - started) / 1000;
  const report = { ...evaluate(engine, test), trainSeconds, trainExamples: train.length, intents: engine.intents.length, threshold: engine.threshold };
  io.stdout.write(values.json ? `${JSON.stringify(report)}\n` : formatReport(report));
  return 0;
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** Human-readable evaluation summary: headline metrics, weakest intents, top confusions. */
export function formatReport(r: EvaluationReport & { trainSeconds: number; trainExamples: number; intents: number; threshold: number }): string {
  const lines = [
    `trained on ${r.trainExamples} examples, ${r.intents} intents, in ${r.trainSeconds.toFixed(2)} s (threshold ${r.threshold})`,
    `tested on ${r.examples} examples`,
    '',
    `  in-scope accuracy  ${pct(r.inScopeAccuracy)}`,
    `  accuracy           ${pct(r.accuracy)}`,
    `  oos recall         ${pct(r.oosRecall)}`,
    `  oos precision      ${pct(r.oosPrecision)}`,
    `  macro F1           ${pct(r.macroF1)}`,
    `  classify p50 / p99 ${r.classifyP50Ms.toFixed(3)} ms / ${r.classifyP99Ms.toFixed(3)} ms`,
    '',
    'weakest intents:',
    `  ${'intent'.padEnd(32)} ${'prec'.padStart(7)} ${'recall'.padStart(7)} ${'f1'.padStart(7)} ${'n'.padStart(5)}`,
  ];
  for (const s of [...r.perIntent].sort((a, b) => a.f1 - b.f1).slice(0, 10)) {
    lines.push(`  ${s.intent.padEnd(32)} ${pct(s.precision).padStart(7)} ${pct(s.recall).padStart(7)} ${pct(s.f1).padStart(7)} ${String(s.support).padStart(5)}`);
  }
  if (r.confusion.length > 0) lines.push('', 'most confused (gold → predicted):');
  for (const c of r.confusion) lines.push(`  ${String(c.count).padStart(4)}  ${c.gold} → ${c.predicted}`);
  return `${lines.join('\n')}\n`;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

async function runClassify(args: string[], io: CommandIo): Promise<number> {
  const values = parse(args, { json: { type: 'boolean', default: false } });
  // Validate every line before answering any, so a bad file yields an error and no half output.
  const rows = parseJsonl(await readAll(io.stdin), '<stdin>', false);
  const engine = await loadBuiltInEngine();
  const out: string[] = [];
  for (const { text } of rows) {
    const { intent, confidence } = engine.classify(text);
    const rounded = Math.round(confidence * 10_000) / 10_000;
    out.push(values.json ? JSON.stringify({ text, intent, confidence: rounded }) : `${intent}\t${rounded.toFixed(4)}\t${text.replace(/[\t\r\n]+/g, ' ')}`);
  }
  if (out.length > 0) io.stdout.write(`${out.join('\n')}\n`);
  return 0;
}
