/** One measured line: ours beside a baseline from the same run, and their ratio. */
export interface BenchRow {
  metric: string;
  ours: number;
  baseline: number;
  unit: string;
  /** ours / baseline, or baseline / ours when `lowerIsBetter` (so > 1 always means we are ahead). */
  ratio: number;
  target?: string;
  note?: string;
}

export interface BenchReport {
  name: string;
  rows: BenchRow[];
  /** Set when the benchmark could not run here (e.g. shared data absent). */
  skipped?: string;
  extra?: Record<string, unknown>;
}

/** Builds a row; `lowerIsBetter` for times and memory. */
export function row(metric: string, ours: number, baseline: number, unit: string, opts: { lowerIsBetter?: boolean; target?: string; note?: string } = {}): BenchRow {
  const ratio = opts.lowerIsBetter ? baseline / ours : ours / baseline;
  const digits = (v: number) => (Math.abs(v) < 10 ? 4 : 2);
  return { metric, ours: round(ours, digits(ours)), baseline: round(baseline, digits(baseline)), unit, ratio: round(ratio, 3), target: opts.target, note: opts.note };
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Percentile of a list of numbers (p in 0..100). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/** Prints a report as an aligned table. */
export function printReport(report: BenchReport, out: NodeJS.WritableStream = process.stdout): void {
  out.write(`\n## ${report.name}\n`);
  if (report.skipped) {
    out.write(`skipped: ${report.skipped}\n`);
    return;
  }
  const header = ['metric', 'ours', 'baseline', 'unit', 'ratio', 'target', 'note'];
  const lines = report.rows.map((r) => [r.metric, String(r.ours), String(r.baseline), r.unit, `${r.ratio}x`, r.target ?? '', r.note ?? '']);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  for (const l of [header, ...lines]) out.write(l.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd() + '\n');
}
