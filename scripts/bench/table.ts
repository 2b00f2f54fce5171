/**
 * The one results table. Every figure sits next to its target and a verdict, so a reader never has
 * to look up DESIGN.md to know whether a number is good. Rendered as a Markdown table so the same
 * text reads in a terminal and pastes into BENCHMARKS.md.
 */

export type Verdict = 'PASS' | 'MISS' | '';

export interface Row {
  benchmark: string;
  figure: string;
  value: string;
  target: string;
  verdict: Verdict;
}

export interface Target {
  op: '<' | '<=' | '>=' | '=';
  limit: number;
  unit: string;
}

/** A row for a figure with a target: PASS or MISS decided here, never by the caller. NaN is a MISS. */
export function judged(benchmark: string, figure: string, value: number, valueText: string, target: Target): Row {
  const ok =
    Number.isFinite(value) &&
    (target.op === '<' ? value < target.limit : target.op === '<=' ? value <= target.limit : target.op === '>=' ? value >= target.limit : value === target.limit);
  const unit = target.unit === '' ? '' : target.unit === '%' ? '%' : ` ${target.unit}`;
  return { benchmark, figure, value: valueText, target: `${target.op} ${target.limit}${unit}`, verdict: ok ? 'PASS' : 'MISS' };
}

/** A figure reported for context, with no target of its own. */
export function info(benchmark: string, figure: string, value: string, target = '—'): Row {
  return { benchmark, figure, value, target, verdict: '' };
}

export function renderTable(rows: readonly Row[]): string {
  const header: Row = { benchmark: 'benchmark', figure: 'figure', value: 'value (median)', target: 'target', verdict: '' };
  const cells = (r: Row) => [r.benchmark, r.figure, r.value, r.target, r.verdict];
  const all = [header, ...rows].map(cells);
  const widths = all[0]!.map((_, i) => Math.max(...all.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i]!)).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(all[0]!), rule, ...all.slice(1).map(line)].join('\n');
}

export function fmt(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return 'n/a';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function ms(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  return `${n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0)} ms`;
}

export function mb(bytes: number): string {
  return Number.isFinite(bytes) ? `${(bytes / 1024 / 1024).toFixed(0)} MB` : 'n/a';
}
