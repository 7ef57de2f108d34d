import type { ScenarioResult } from '../report/run_results';
import { type Baseline, type ExpectedFailure, TODO_REASON } from './baseline';
import { profileOf } from './compare';

/**
 * A baseline from a run: every failed scenario becomes an expected failure. An entry already in the previous
 * baseline keeps its observed text and reason (a human wrote or reviewed them); a new one gets the observed line
 * of the run and reason TODO, which the check rejects until someone writes why.
 */
export interface RecordInput {
  previous: Baseline | undefined;
  target: string;
  version: string;
  /** YYYY-MM-DD. */
  date: string;
  results: readonly ScenarioResult[];
  /** Scenario id -> observed line (observed.ts). */
  observed: ReadonlyMap<string, string>;
  /** Where the baseline is written (kept in the result for messages). */
  file: string;
}

export interface Recorded {
  baseline: Baseline;
  added: string[];
  removed: string[];
  kept: string[];
}

/** Refuses a run that a baseline cannot describe: scenarios that did not run must run before recording. */
export function unrecordable(results: readonly ScenarioResult[]): string[] {
  return results.filter((r) => r.outcome === 'skipped').map((r) => `${r.id}: skipped (${r.status})`);
}

export function recordBaseline(input: RecordInput): Recorded {
  const previous = new Map((input.previous?.expectedFailures ?? []).map((e) => [e.id, e]));
  const added: string[] = [];
  const kept: string[] = [];
  const expectedFailures: ExpectedFailure[] = [];
  for (const r of input.results) {
    const old = previous.get(r.id);
    // An intermittent entry stays whatever this run did: one passing run does not make the race go away.
    if (r.outcome !== 'failed' && !(old?.intermittent && r.outcome === 'passed')) continue;
    (old ? kept : added).push(r.id);
    expectedFailures.push({
      id: r.id,
      // The profile follows the scenario: it is derived, and the check compares it.
      profile: profileOf(r.tags),
      observed: old?.observed ?? input.observed.get(r.id) ?? r.message ?? 'failed (no message)',
      reason: old?.reason ?? TODO_REASON,
      ...(old?.intermittent ? { intermittent: true } : {}),
      line: 0,
    });
  }
  const failing = new Set(expectedFailures.map((e) => e.id));
  const removed = [...previous.keys()].filter((id) => !failing.has(id));
  return {
    baseline: {
      target: input.target,
      version: input.version,
      date: input.date,
      expectedFailures,
      notSupported: input.results.filter((r) => r.outcome === 'not-supported').map((r) => r.id),
      file: input.file,
    },
    added,
    removed,
    kept,
  };
}
