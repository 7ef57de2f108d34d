/**
 * `npm run matrix -- [options]`: the suite against every installed proxy, one after another; each compared with
 * its baseline; the matrix written as Markdown and HTML (options.ts lists the flags).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Writable } from 'node:stream';
import { loadScenarios } from '../report/feature_catalog';
import type { ScenarioIdentity } from '../report/scenario_ids';
import { type Baseline, BaselineError, loadBaseline, renderBaseline } from './baseline';
import { type Comparison, compareWithBaseline } from './compare';
import { groupScenarios, type Matrix, type MatrixColumn } from './matrix';
import { MATRIX_USAGE, type MatrixOptions, MatrixUsageError, parseMatrixOptions, selectedTargets } from './options';
import { recordBaseline, unrecordable } from './record';
import { renderHtml } from './render_html';
import { renderMarkdown } from './render_markdown';
import { logTail, readTargetResults, runTarget, stopRunningTargets, type TargetResults } from './run_target';
import { installation } from './targets';

/** How a docker-hosted matrix knows a proxy can run: it has an image, and the engine answers (asked once). */
function dockerInstallation(target: string): { installed: boolean; detail: string } {
  return { installed: true, detail: `container image built from docker/${target}/Dockerfile` };
}

const SUITE_ROOT = path.resolve(__dirname, '..', '..');

export interface MatrixIo {
  /** Another suite root (tests use a fixture with its own features/ and baselines/). */
  root?: string;
  out?: Writable;
  /** Replaces how a proxy is detected (tests). */
  installation?: typeof installation;
  /** Replaces the Docker engine probe of --env docker (tests): the reason it is unreachable, or undefined. */
  probeEngine?: () => Promise<string | undefined>;
  /** Today, for recorded baselines and the matrix (tests pin it). */
  now?: Date;
  /** Another conformance command (tests run a fixture suite), its environment and working directory. */
  conformance?: { script: string; env?: NodeJS.ProcessEnv; cwd?: string };
}

export async function main(argv: readonly string[], io: MatrixIo = {}): Promise<number> {
  const root = io.root ?? SUITE_ROOT;
  const out = io.out ?? process.stdout;
  const say = (line: string) => out.write(`${line}\n`);
  let detect = io.installation ?? installation;
  const now = io.now ?? new Date();
  let o: MatrixOptions;
  try {
    o = parseMatrixOptions(argv);
  } catch (err) {
    if (err instanceof MatrixUsageError) {
      say(`matrix: ${err.message}\n\n${MATRIX_USAGE}`);
      return 2;
    }
    throw err;
  }
  if (o.help) {
    say(MATRIX_USAGE);
    return 0;
  }
  const reportDir = path.resolve(root, o.reportDir);
  const baselinesDir = path.resolve(root, o.baselinesDir);
  let catalog: ScenarioIdentity[];
  try {
    catalog = loadScenarios(root, path.join(root, 'features'));
  } catch (err) {
    say(`matrix: cannot read the features: ${(err as Error).message}`);
    return 2;
  }
  const targets = selectedTargets(o);
  if (o.env === 'docker') {
    // No engine: stop before anything runs, with the reason (in CI that is a failure, not a skip).
    const engine = await import('../docker/engine');
    const why = await (io.probeEngine ?? engine.probeEngine)();
    if (why !== undefined) {
      say(`matrix: --env docker: ${engine.noEngineMessage(engine.dockerEndpoint(), why)}`);
      return 2;
    }
    detect = io.installation ?? dockerInstallation;
  }
  const localReportDir = path.resolve(root, o.localReportDir);
  const columns = new Map<string, MatrixColumn>();
  let failedRecord = false;

  const one = async (target: string, index: number): Promise<void> => {
    const label = `${target} (${index + 1}/${targets.length})`;
    const inst = detect(target);
    if (!inst.installed) {
      say(`matrix: ${label}: not installed: ${inst.detail}`);
      columns.set(target, { target, state: 'not-installed', detail: inst.detail });
      return;
    }
    const dir = path.join(reportDir, target);
    let durationMs: number | undefined;
    if (!o.reuse) {
      say(`matrix: ${label}: running the suite (log: ${rel(path.join(dir, 'conformance.log'))})`);
      const run = await runTarget({
        target,
        reportDir: dir,
        timeoutMs: o.timeoutMs,
        script: io.conformance?.script ?? path.join(SUITE_ROOT, 'harness', 'cli', 'conformance.ts'),
        cwd: io.conformance?.cwd ?? SUITE_ROOT,
        environment: o.env,
        ...(io.conformance?.env ? { env: io.conformance.env } : {}),
      });
      durationMs = run.durationMs;
      if (run.exitCode !== 0 && run.exitCode !== 1) {
        const detail = `conformance exited ${run.exitCode ?? 'on a signal'}; last lines of ${rel(run.logFile)}:\n${logTail(run.logFile)}`;
        say(`matrix: ${label}: the run failed: ${detail}`);
        columns.set(target, {
          target,
          state: 'run-failed',
          detail: `conformance exited ${run.exitCode ?? 'on a signal'}`,
          durationMs,
        });
        return;
      }
    }
    let results: TargetResults;
    try {
      results = readTargetResults(dir);
    } catch (err) {
      say(`matrix: ${label}: no results: ${(err as Error).message}`);
      columns.set(target, { target, state: 'run-failed', detail: (err as Error).message });
      return;
    }
    const baselineFile = path.join(baselinesDir, `${target}.yaml`);
    const shownFile = rel(baselineFile);
    let baseline: Baseline | undefined;
    let baselineError: string | undefined;
    try {
      if (fs.existsSync(baselineFile)) baseline = loadBaseline(baselineFile);
    } catch (err) {
      if (!(err instanceof BaselineError)) throw err;
      baselineError = err.message;
    }
    if (o.record.includes(target)) {
      const refused = unrecordable(results.scenarios);
      if (baselineError !== undefined || refused.length > 0) {
        failedRecord = true;
        say(
          `matrix: ${target}: not recording: ${baselineError ?? `${refused.length} scenario(s) did not run:\n  ${refused.join('\n  ')}`}`,
        );
      } else {
        const rec = recordBaseline({
          previous: baseline,
          target,
          version: results.version,
          date: now.toISOString().slice(0, 10),
          results: results.scenarios,
          observed: results.observed,
          file: baselineFile,
        });
        fs.mkdirSync(baselinesDir, { recursive: true });
        fs.writeFileSync(baselineFile, renderBaseline(rec.baseline));
        baseline = loadBaseline(baselineFile);
        say(
          `matrix: ${target}: recorded ${shownFile} for ${target} ${results.version}: ${rec.kept.length} kept, ` +
            `${rec.added.length} added${rec.added.length > 0 ? ' (reason TODO: write each one)' : ''}, ${rec.removed.length} removed`,
        );
        for (const id of rec.removed) say(`  removed (passes or no longer fails): ${id}`);
      }
    }
    const localWall = o.env === 'docker' ? localWallTime(path.join(localReportDir, target)) : undefined;
    const comparison = compareWithBaseline({
      catalog,
      results: results.scenarios,
      baseline,
      ...(baselineError !== undefined ? { baselineError } : {}),
      baselineFile: shownFile,
      target,
      installedVersion: results.version,
      strictVersion: o.strictVersion,
      observed: results.observed,
    });
    columns.set(target, {
      target,
      state: 'ran',
      detail: inst.detail,
      version: results.version,
      ...(baseline ? { baselineVersion: baseline.version, expected: baseline.expectedFailures } : {}),
      comparison,
      durationMs: durationMs ?? results.wallTimeMs,
      wallTimeMs: results.wallTimeMs,
      ...(localWall !== undefined ? { localWallTimeMs: localWall } : {}),
    });
    say(`matrix: ${label}: ${summaryLine(target, results, comparison, durationMs)}`);
    if (o.env === 'docker')
      say(`  ${wallTimeLine(results.wallTimeMs, localWall, rel(path.join(localReportDir, target)))}`);
    for (const w of comparison.warnings) say(`  warning: ${w.message}`);
    for (const e of comparison.errors) say(`  ${e.kind}: ${e.message}${e.where ? ` (${e.where})` : ''}`);
  };

  // Runs are in process groups of their own (a terminal's Ctrl-C does not reach them): stop them, then exit.
  const onSignal = (signal: NodeJS.Signals) => {
    say(`matrix: ${signal}: stopping the runs under way`);
    void stopRunningTargets().then(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // A small pool: `parallel` proxies at once, in matrix order.
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const i = next++;
      await one(targets[i], i);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(o.parallel, targets.length) }, worker));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  const matrix: Matrix = {
    date: now.toISOString(),
    environment: o.env,
    suite: suiteInfo(root),
    groups: groupScenarios(catalog, root),
    columns: targets.map((t) => columns.get(t)!),
  };
  fs.mkdirSync(reportDir, { recursive: true });
  const toRoot = (dir: string) => path.relative(dir, root).split(path.sep).join('/');
  fs.writeFileSync(path.join(reportDir, 'matrix.md'), renderMarkdown(matrix, { rootLink: toRoot(reportDir) }));
  fs.writeFileSync(path.join(reportDir, 'matrix.html'), renderHtml(matrix, { rootLink: toRoot(reportDir) }));
  say(`matrix: wrote ${rel(path.join(reportDir, 'matrix.md'))} and matrix.html`);
  if (o.updateDocs) {
    const docs = path.join(root, 'docs');
    fs.mkdirSync(docs, { recursive: true });
    fs.writeFileSync(path.join(docs, 'matrix.md'), renderMarkdown(matrix, { rootLink: toRoot(docs) }));
    fs.writeFileSync(path.join(docs, 'matrix.html'), renderHtml(matrix, { rootLink: toRoot(docs) }));
    say(`matrix: wrote ${rel(path.join(docs, 'matrix.md'))} and docs/matrix.html`);
  }

  const problems = matrix.columns.filter((c) => c.state !== 'ran' || (c.comparison?.errors.length ?? 0) > 0);
  if (problems.length === 0 && !failedRecord) {
    say(`matrix: every proxy's results equal its baseline (${matrix.columns.map((c) => c.target).join(', ')})`);
    return 0;
  }
  const what = problems.map((c) =>
    c.state === 'not-installed'
      ? `${c.target} not installed`
      : c.state === 'run-failed'
        ? `${c.target} run failed`
        : `${c.target} ${c.comparison?.errors.length} difference(s)`,
  );
  if (failedRecord) what.push('a baseline was not recorded');
  say(
    `matrix: ${o.check ? 'check failed' : 'differences (not checked: add --check to fail on them)'}: ${what.join(', ')}`,
  );
  return o.check ? 1 : 0;
}

function summaryLine(target: string, r: TargetResults, c: Comparison, durationMs: number | undefined): string {
  const count = (cell: string) => [...c.cells.values()].filter((x) => x === cell).length;
  const failed = count('fail') + count('xfail');
  const time = durationMs !== undefined ? ` in ${(durationMs / 1000).toFixed(1)}s` : '';
  const verdict = c.errors.length === 0 ? 'matches its baseline' : `${c.errors.length} difference(s) from its baseline`;
  return (
    `${target} ${r.version}: ${count('pass') + count('xpass')} passed, ${failed} failed (${count('xfail')} expected), ` +
    `${count('n/s')} not supported${time}: ${verdict}`
  );
}

/** The wall time of a local run left in `dir` (the suite's own, from its messages), if there is one. */
function localWallTime(dir: string): number | undefined {
  try {
    return readTargetResults(dir).wallTimeMs;
  } catch {
    return undefined;
  }
}

/**
 * The docker run's suite wall time (cucumber's, without image builds and process start-up) beside the local run's,
 * measured the same way: what the container hops and per-scenario reconfiguration cost.
 */
export function wallTimeLine(dockerMs: number, localMs: number | undefined, localDir: string): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
  if (localMs === undefined || localMs <= 0)
    return `wall time: docker ${s(dockerMs)}; no local run in ${localDir} to compare with`;
  const diff = dockerMs - localMs;
  return (
    `wall time: docker ${s(dockerMs)}, local ${s(localMs)} (${diff >= 0 ? '+' : '-'}${s(Math.abs(diff))}, ` +
    `${(dockerMs / localMs).toFixed(2)}x)`
  );
}

function rel(file: string): string {
  const r = path.relative(process.cwd(), file);
  return r === '' || r.startsWith('..') ? file : r;
}

function suiteInfo(root: string): { name: string; version: string } {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      name: string;
      version: string;
    };
    return { name: pkg.name, version: pkg.version };
  } catch {
    return { name: 'h1-proxy-conformance', version: 'unknown' };
  }
}
