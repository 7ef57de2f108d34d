import type { BenchOptions, TargetName } from './bench_options';
import type { LoadFigures } from './load_generator';

/** The reference passes when its throughput is at least this fraction of nginx's (same machine, same load). */
export const TARGET_RATIO = 0.5;

/** One measured run, with how much CPU other processes took meanwhile. */
export interface MeasuredRound extends LoadFigures {
  /** Percent of all cores' time used by processes other than the bench's during the run; undefined off Linux. */
  readonly otherCpuPercent: number | undefined;
}

/** Above this share of CPU taken by other processes in a run, the table warns that its figures are disturbed. */
const DISTURBED_OTHER_CPU_PERCENT = 10;

export type TargetOutcome =
  | {
      readonly status: 'ok';
      /** The median round (by req/s); the only one with --rounds 1. */
      readonly figures: MeasuredRound;
      readonly rounds: readonly MeasuredRound[];
      /** Summed RSS of the peer's processes before the warm-up: what it holds with no load (runtime, compiler). */
      readonly idleRssKiB: number | undefined;
      /** Highest summed RSS sampled during the measured run. */
      readonly peakRssKiB: number | undefined;
    }
  | { readonly status: 'failed'; readonly reason: string }
  | { readonly status: 'skipped'; readonly reason: string };

export interface TargetResult {
  readonly target: TargetName;
  readonly description: string;
  readonly outcome: TargetOutcome;
}

export interface BenchReport {
  readonly options: BenchOptions;
  readonly environment: { readonly node: string; readonly cpus: number; readonly platform: string };
  readonly nginx: {
    readonly found: boolean;
    readonly path?: string;
    readonly version?: string;
    readonly searched: string;
  };
  readonly results: readonly TargetResult[];
}

export interface Verdict {
  /** reference req/s divided by nginx req/s; undefined unless both ran. */
  readonly ratio: number | undefined;
  readonly met: boolean | undefined;
  readonly explanation: string;
}

export function judge(report: BenchReport): Verdict {
  const reference = report.results.find((result) => result.target === 'reference')?.outcome;
  const nginx = report.results.find((result) => result.target === 'nginx')?.outcome;
  if (reference?.status !== 'ok') {
    return { ratio: undefined, met: undefined, explanation: 'reference did not run: no ratio' };
  }
  if (nginx === undefined) {
    return {
      ratio: undefined,
      met: undefined,
      explanation: 'nginx not among --targets: reference figures only, no ratio',
    };
  }
  if (nginx.status !== 'ok') {
    const why = report.nginx.found ? 'nginx did not run' : `nginx was not found (searched ${report.nginx.searched})`;
    return { ratio: undefined, met: undefined, explanation: `${why}: reference figures only, no ratio` };
  }
  const ratio = reference.figures.requestsPerSecond / nginx.figures.requestsPerSecond;
  const met = ratio >= TARGET_RATIO;
  return {
    ratio,
    met,
    explanation: `reference/nginx req/s = ${ratio.toFixed(2)}x; target >= ${TARGET_RATIO}x nginx: ${met ? 'MET' : 'NOT MET'}`,
  };
}

const COLUMNS = [
  'target',
  'req/s',
  'req/s range',
  'p50 ms',
  'p99 ms',
  'errors/non-2xx',
  'bad body',
  'idle RSS MiB',
  'peak RSS MiB',
  'other CPU %',
] as const;

export function renderTable(report: BenchReport): string {
  const { options } = report;
  // The range column only means something with several rounds.
  const shown = COLUMNS.map((_, i) => i).filter((i) => COLUMNS[i] !== 'req/s range' || options.rounds > 1);
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const result of report.results) {
    const { outcome } = result;
    if (outcome.status !== 'ok') {
      rows.push([result.target, outcome.status, ...COLUMNS.slice(2).map(() => '')]);
      notes.push(`${result.target} ${outcome.status}: ${outcome.reason}`);
      continue;
    }
    const f = outcome.figures;
    const rates = outcome.rounds.map((round) => Math.round(round.requestsPerSecond));
    rows.push([
      result.target,
      Math.round(f.requestsPerSecond).toString(),
      `${Math.min(...rates)}-${Math.max(...rates)}`,
      formatMs(f.latencyP50Ms),
      formatMs(f.latencyP99Ms),
      `${sum(outcome.rounds, 'errors')}/${sum(outcome.rounds, 'non2xx')}`,
      sum(outcome.rounds, 'bodyMismatches').toString(),
      formatMiB(outcome.idleRssKiB),
      formatMiB(outcome.peakRssKiB),
      f.otherCpuPercent === undefined ? '-' : f.otherCpuPercent.toFixed(0),
    ]);
  }
  const widths = COLUMNS.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]): string =>
    shown.map((i) => (i === 0 ? cells[i]!.padEnd(widths[i]!) : cells[i]!.padStart(widths[i]!))).join('  ');
  const rounds = options.rounds > 1 ? `, median of ${options.rounds} interleaved rounds` : '';
  const out: string[] = [];
  out.push(
    `keep-alive GET, ${options.connections} connections, pipelining ${options.pipelining}, ` +
      `${options.warmupSeconds} s warm-up + ${options.durationSeconds} s measured per target${rounds} ` +
      `(node ${report.environment.node}, ${report.environment.cpus} CPUs)`,
  );
  for (const result of report.results) out.push(`  ${result.target}: ${result.description}`);
  out.push('');
  out.push(line(COLUMNS));
  out.push(line(widths.map((width) => '-'.repeat(width))));
  for (const row of rows) out.push(line(row));
  out.push('');
  for (const note of notes) out.push(note);
  const disturbance = worstOtherCpuPercent(report);
  if (disturbance !== undefined && disturbance > DISTURBED_OTHER_CPU_PERCENT) {
    const advice = options.rounds > 1 ? 'run on an idle machine' : 'run on an idle machine, or with --rounds 3';
    out.push(
      `warning: other processes took up to ${disturbance.toFixed(0)}% of the CPU during a measured run; ` +
        `the figures are disturbed (${advice})`,
    );
  }
  out.push(judge(report).explanation);
  return out.join('\n');
}

function worstOtherCpuPercent(report: BenchReport): number | undefined {
  const shares = report.results.flatMap((result) =>
    result.outcome.status === 'ok' ? result.outcome.rounds.map((round) => round.otherCpuPercent ?? 0) : [],
  );
  return shares.length === 0 ? undefined : Math.max(...shares);
}

/** Errors of every round: one failed request in any round is worth seeing, not only in the median one. */
function sum(rounds: readonly MeasuredRound[], field: 'errors' | 'non2xx' | 'bodyMismatches'): number {
  return rounds.reduce((total, round) => total + round[field], 0);
}

export function renderJson(report: BenchReport): string {
  const verdict = judge(report);
  return JSON.stringify(
    {
      options: report.options,
      environment: report.environment,
      nginx: report.nginx,
      results: report.results.map((result) =>
        result.outcome.status === 'ok'
          ? {
              target: result.target,
              description: result.description,
              status: 'ok',
              ...result.outcome.figures,
              rounds: result.outcome.rounds,
              idleRssKiB: result.outcome.idleRssKiB ?? null,
              peakRssKiB: result.outcome.peakRssKiB ?? null,
            }
          : { target: result.target, description: result.description, ...result.outcome },
      ),
      referenceToNginxRatio: verdict.ratio ?? null,
      targetRatio: TARGET_RATIO,
      targetMet: verdict.met ?? null,
    },
    null,
    2,
  );
}

function formatMs(ms: number): string {
  if (Number.isNaN(ms)) return '-';
  return ms < 10 ? ms.toFixed(2) : ms.toFixed(1);
}

function formatMiB(kib: number | undefined): string {
  return kib === undefined ? '-' : (kib / 1024).toFixed(1);
}
