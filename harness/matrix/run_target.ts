import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Envelope } from '@cucumber/messages';
import type { ConformanceReport } from '../report/conformance_report';
import { readEnvelopes, resultsFromEnvelopes, type ScenarioResult } from '../report/run_results';
import { failureMessages, observedOf } from './observed';

/**
 * One proxy's conformance run, as the matrix needs it: the suite's own CLI in a child process (each run gets a
 * fresh process, so one proxy's leftovers cannot touch the next), its output in a log file, and its results read
 * back from the report directory.
 */
export interface TargetRun {
  target: string;
  /** The conformance command's exit status (0 all passed, 1 some failed, 2 could not run); null when killed. */
  exitCode: number | null;
  durationMs: number;
  /** Its stdout and stderr. */
  logFile: string;
  reportDir: string;
}

export interface TargetResults {
  scenarios: ScenarioResult[];
  /** As the adapter reported it ('unknown' when the run could not ask). */
  version: string;
  /** Scenario id -> one observed line, for failed scenarios. */
  observed: Map<string, string>;
  wallTimeMs: number;
}

/** Files of an earlier run in the report directory, removed first so that nothing stale is read back. */
const RUN_FILES = [
  'cucumber-messages.ndjson',
  'conformance-report.json',
  'conformance-report.yaml',
  'implementation.json',
  'cucumber.html',
  'cucumber.json',
  'cucumber-junit.xml',
  'conformance.log',
];

export interface RunOptions {
  target: string;
  reportDir: string;
  /** The whole run is stopped after this long. */
  timeoutMs: number;
  /** The conformance command's entry (harness/cli/conformance.ts; tests run a fixture suite's). */
  script: string;
  /** Where it runs: the suite's root, whose node_modules has ts-node. */
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** The conformance command's --env (default local). */
  environment?: 'local' | 'docker';
}

/** How long the conformance process gets to stop its proxy after SIGTERM before its group is killed. */
const STOP_GRACE_MS = 10_000;

/** Runs under way, so that a signal to the matrix can stop them (they are in process groups of their own). */
const running = new Set<ChildProcess>();

/** SIGTERM to every run under way (each stops its proxy), then SIGKILL to the group of any still there after graceMs. */
export function stopRunningTargets(graceMs = STOP_GRACE_MS): Promise<void> {
  const stops = [...running].map(
    (child) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => {
          killGroup(child);
          resolve();
        }, graceMs);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  );
  return Promise.all(stops).then(() => undefined);
}

function killGroup(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

export function runTarget(o: RunOptions): Promise<TargetRun> {
  fs.mkdirSync(o.reportDir, { recursive: true });
  for (const f of RUN_FILES) fs.rmSync(path.join(o.reportDir, f), { force: true });
  const logFile = path.join(o.reportDir, 'conformance.log');
  const log = fs.openSync(logFile, 'w');
  const started = Date.now();
  const args = ['-r', 'ts-node/register/transpile-only', o.script, '--target', o.target, '--report-dir', o.reportDir];
  if (o.environment && o.environment !== 'local') args.push('--env', o.environment);
  return new Promise<TargetRun>((resolve, reject) => {
    // Own process group: on a timeout the whole run (and anything it left) can be killed.
    const child = spawn(process.execPath, args, {
      cwd: o.cwd,
      env: o.env ?? process.env,
      stdio: ['ignore', log, log],
      detached: true,
    });
    running.add(child);
    let killTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      fs.appendFileSync(logFile, `\nmatrix: ${o.target}: stopped after ${o.timeoutMs} ms\n`);
      // SIGTERM lets the harness stop the proxies it started (harness/util/child_registry.ts).
      child.kill('SIGTERM');
      killTimer = setTimeout(() => killGroup(child), STOP_GRACE_MS);
    }, o.timeoutMs);
    child.once('error', (err) => {
      running.delete(child);
      clearTimeout(timer);
      fs.closeSync(log);
      reject(err);
    });
    child.once('exit', (code) => {
      running.delete(child);
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      fs.closeSync(log);
      resolve({
        target: o.target,
        exitCode: code,
        durationMs: Date.now() - started,
        logFile,
        reportDir: o.reportDir,
      });
    });
  });
}

/** The results a run left in its report directory; an error says what is missing (the run's log says why). */
export function readTargetResults(reportDir: string): TargetResults {
  const ndjson = path.join(reportDir, 'cucumber-messages.ndjson');
  if (!fs.existsSync(ndjson)) throw new Error(`${ndjson}: missing (the run did not get to write its messages)`);
  const envelopes: Envelope[] = readEnvelopes(ndjson);
  const { scenarios, wallTimeMs } = resultsFromEnvelopes(envelopes);
  const messages = failureMessages(envelopes);
  const observed = new Map<string, string>();
  for (const s of scenarios) if (s.outcome === 'failed') observed.set(s.id, observedOf(messages.get(s.id), s.message));
  let version = 'unknown';
  const reportFile = path.join(reportDir, 'conformance-report.json');
  if (fs.existsSync(reportFile)) {
    const report = JSON.parse(fs.readFileSync(reportFile, 'utf8')) as Partial<ConformanceReport>;
    if (typeof report.implementation?.version === 'string') version = report.implementation.version;
  }
  return { scenarios, version, observed, wallTimeMs };
}

/** The last lines of a run's log, for saying why it could not run. */
export function logTail(logFile: string, lines = 15): string {
  try {
    return fs.readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
