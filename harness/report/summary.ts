import { isFailure, type Outcome, type ScenarioResult } from './run_results';

/** Tags that name a stage of the seed's five (and the invariant scenarios), and the profiles. */
export const STAGE_TAGS = ['@stage-1', '@stage-2', '@stage-3', '@stage-4', '@stage-5', '@invariant'] as const;
export const PROFILE_TAGS = ['@core', '@extended', '@envoy'] as const;

export interface Statistics {
  passed: number;
  failed: number;
  skipped: number;
  notSupported: number;
}

export function statistics(results: readonly ScenarioResult[]): Statistics {
  const count = (o: Outcome) => results.filter((r) => r.outcome === o).length;
  return {
    passed: count('passed'),
    failed: count('failed'),
    skipped: count('skipped'),
    notSupported: count('not-supported'),
  };
}

export function withTag(results: readonly ScenarioResult[], tag: string): ScenarioResult[] {
  return results.filter((r) => r.tags.includes(tag));
}

/** The end-of-run table: one row per stage and per profile, then the total and the wall time. */
export function summaryTable(results: readonly ScenarioResult[], wallTimeMs: number, dryRun: boolean): string {
  const header = ['', 'passed', 'failed', 'skipped', 'not-supported', 'time'];
  const row = (label: string, list: readonly ScenarioResult[]) => {
    const s = statistics(list);
    const time = list.reduce((n, r) => n + r.durationMs, 0);
    return [label, s.passed, s.failed, s.skipped, s.notSupported, seconds(time)].map(String);
  };
  const rows: string[][] = [];
  for (const tag of STAGE_TAGS) rows.push(row(tag, withTag(results, tag)));
  rows.push([]);
  for (const tag of PROFILE_TAGS) rows.push(row(tag, withTag(results, tag)));
  rows.push([]);
  rows.push(row('total', results));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  const sep = widths.map((w) => '-'.repeat(w)).join('  ');
  const lines = [fmt(header), sep, ...rows.map((r) => (r.length === 0 ? sep : fmt(r)))];
  lines.push(`wall time ${seconds(wallTimeMs)}`);
  const failing = results.filter((r) => isFailure(r, dryRun));
  if (failing.length > 0) {
    lines.push('', `${failing.length} scenario(s) did not pass:`);
    for (const r of failing) {
      lines.push(
        `  ${r.outcome === 'failed' ? 'FAILED ' : 'SKIPPED'} ${r.id}  (${r.uri}:${r.line})${r.message ? ` - ${r.message}` : ''}`,
      );
    }
  }
  return lines.join('\n');
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
