import * as fs from 'node:fs';
import type { Envelope, GherkinDocument, Pickle, TestStepResult, Timestamp } from '@cucumber/messages';
import { type ScenarioIdentity, scenarioIdentities } from './scenario_ids';

/** Media type of the attachment with which steps mark a scenario the target cannot run. */
export const NOT_SUPPORTED_MEDIA_TYPE = 'application/vnd.conformance.not-supported+json';

/**
 * What happened to a scenario, in conformance terms. 'not-supported': the target lacks a capability the scenario
 * needs (never passed, never failed). 'skipped': it did not run for another reason, which is a failure outside a
 * dry run.
 */
export type Outcome = 'passed' | 'failed' | 'skipped' | 'not-supported';

export interface ScenarioResult extends ScenarioIdentity {
  outcome: Outcome;
  /** Cucumber's worst step status ('NOT_RUN' when the scenario never started). */
  status: string;
  /** Capabilities the target lacks (not-supported scenarios). */
  notSupported: string[];
  durationMs: number;
  /** First line of the first failure. */
  message?: string;
}

export interface RunResults {
  scenarios: ScenarioResult[];
  /** From the run's start to its end; 0 when the run did not finish. */
  wallTimeMs: number;
}

/** Worst first, as Cucumber ranks step statuses. */
const SEVERITY = ['FAILED', 'AMBIGUOUS', 'UNDEFINED', 'PENDING', 'SKIPPED', 'PASSED', 'UNKNOWN'];
const FAILING = new Set(['FAILED', 'AMBIGUOUS', 'UNDEFINED', 'PENDING']);

export function readEnvelopes(file: string): Envelope[] {
  const text = fs.readFileSync(file, 'utf8');
  return text
    .split('\n')
    .map((line, i) => ({ line, i }))
    .filter(({ line }) => line.trim() !== '')
    .map(({ line, i }) => {
      try {
        return JSON.parse(line) as Envelope;
      } catch (err) {
        throw new Error(`${file}:${i + 1}: not a JSON message envelope (${(err as Error).message})`);
      }
    });
}

/** Scenario results from Cucumber's message stream (only scenarios selected for the run have a test case). */
export function resultsFromEnvelopes(envelopes: readonly Envelope[]): RunResults {
  const docs: GherkinDocument[] = [];
  const pickles: Pickle[] = [];
  const testCasePickle = new Map<string, string>();
  const attemptsByTestCase = new Map<string, string[]>();
  const statuses = new Map<string, TestStepResult[]>();
  const notSupported = new Map<string, string[]>();
  const started = new Map<string, Timestamp>();
  const finished = new Map<string, Timestamp>();
  let runStarted: Timestamp | undefined;
  let runFinished: Timestamp | undefined;
  for (const e of envelopes) {
    if (e.gherkinDocument) docs.push(e.gherkinDocument);
    else if (e.pickle) pickles.push(e.pickle);
    else if (e.testCase) testCasePickle.set(e.testCase.id, e.testCase.pickleId);
    else if (e.testCaseStarted) {
      const list = attemptsByTestCase.get(e.testCaseStarted.testCaseId) ?? [];
      list.push(e.testCaseStarted.id);
      attemptsByTestCase.set(e.testCaseStarted.testCaseId, list);
      started.set(e.testCaseStarted.id, e.testCaseStarted.timestamp);
    } else if (e.testStepFinished) {
      const list = statuses.get(e.testStepFinished.testCaseStartedId) ?? [];
      list.push(e.testStepFinished.testStepResult);
      statuses.set(e.testStepFinished.testCaseStartedId, list);
    } else if (e.attachment?.mediaType === NOT_SUPPORTED_MEDIA_TYPE && e.attachment.testCaseStartedId) {
      const list = notSupported.get(e.attachment.testCaseStartedId) ?? [];
      list.push(...capabilitiesOf(e.attachment.body, e.attachment.contentEncoding));
      notSupported.set(e.attachment.testCaseStartedId, list);
    } else if (e.testCaseFinished) finished.set(e.testCaseFinished.testCaseStartedId, e.testCaseFinished.timestamp);
    else if (e.testRunStarted) runStarted = e.testRunStarted.timestamp;
    else if (e.testRunFinished) runFinished = e.testRunFinished.timestamp;
  }
  const identities = new Map(scenarioIdentities(docs, pickles).map((s) => [s.pickleId, s]));
  const scenarios: ScenarioResult[] = [];
  for (const [testCaseId, pickleId] of testCasePickle) {
    const identity = identities.get(pickleId);
    if (!identity) throw new Error(`message stream: test case ${testCaseId} refers to unknown pickle ${pickleId}`);
    // Retried scenarios count by their last attempt.
    const last = attemptsByTestCase.get(testCaseId)?.at(-1);
    if (last === undefined) {
      scenarios.push({ ...identity, outcome: 'skipped', status: 'NOT_RUN', notSupported: [], durationMs: 0 });
      continue;
    }
    const results = statuses.get(last) ?? [];
    const worst = results.reduce<TestStepResult | undefined>(
      (w, r) => (w === undefined || SEVERITY.indexOf(r.status) < SEVERITY.indexOf(w.status) ? r : w),
      undefined,
    );
    const status = worst?.status ?? 'PASSED';
    const caps = [...new Set(notSupported.get(last) ?? [])];
    const outcome: Outcome = FAILING.has(status)
      ? 'failed'
      : status === 'SKIPPED'
        ? caps.length > 0
          ? 'not-supported'
          : 'skipped'
        : 'passed';
    const failure = results.find((r) => FAILING.has(r.status));
    const message =
      (failure?.message ?? failure?.exception?.message)?.split('\n')[0] ??
      (failure ? `${failure.status.toLowerCase()} step` : undefined);
    const t0 = started.get(last);
    const t1 = finished.get(last);
    scenarios.push({
      ...identity,
      outcome,
      status,
      notSupported: caps,
      durationMs: t0 && t1 ? ms(t1) - ms(t0) : 0,
      ...(message !== undefined ? { message } : {}),
    });
  }
  scenarios.sort((a, b) => a.uri.localeCompare(b.uri) || a.line - b.line);
  return { scenarios, wallTimeMs: runStarted && runFinished ? ms(runFinished) - ms(runStarted) : 0 };
}

/** A failure for the exit status: failed, or skipped without being not-supported (unless nothing was meant to run). */
export function isFailure(r: ScenarioResult, dryRun: boolean): boolean {
  return r.outcome === 'failed' || (r.outcome === 'skipped' && !dryRun);
}

function capabilitiesOf(body: string, encoding: string): string[] {
  try {
    const text = encoding === 'BASE64' ? Buffer.from(body, 'base64').toString('utf8') : body;
    const parsed = JSON.parse(text) as { notSupported?: unknown };
    if (Array.isArray(parsed.notSupported) && parsed.notSupported.every((c) => typeof c === 'string')) {
      return parsed.notSupported as string[];
    }
  } catch {
    // Reported below as unreadable: a marker that cannot be read must not turn into a pass.
  }
  return ['(unreadable not-supported attachment)'];
}

function ms(t: Timestamp): number {
  return t.seconds * 1000 + t.nanos / 1e6;
}
