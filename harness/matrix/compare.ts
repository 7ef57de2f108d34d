import type { ScenarioResult } from '../report/run_results';
import type { ScenarioIdentity } from '../report/scenario_ids';
import { type Baseline, type ExpectedFailure, type Profile, TODO_REASON } from './baseline';

/**
 * One proxy's run against its baseline. Every difference is an error (the check fails) except a version mismatch,
 * which is a warning unless strictVersion. Not-supported scenarios never count either way.
 */

/**
 * A matrix cell. 'xfail': fails as its baseline expects; 'xpass': passes though the baseline expects a failure;
 * 'flaky': listed as intermittent, either outcome accepted; 'skip': did not run for another reason than a missing
 * capability; 'absent': the run has no result for it.
 */
export type Cell = 'pass' | 'fail' | 'xfail' | 'xpass' | 'flaky' | 'n/s' | 'skip' | 'absent';

export type DifferenceKind =
  | 'no-baseline'
  | 'new-failure'
  | 'newly-passing'
  | 'stale-entry'
  | 'not-run'
  | 'todo-reason'
  | 'no-verdict'
  | 'profile-changed'
  | 'version-mismatch';

export interface Difference {
  kind: DifferenceKind;
  /** The scenario concerned, when there is one. */
  id?: string;
  /** `file:line` of the baseline entry concerned, when there is one. */
  where?: string;
  message: string;
}

export interface Comparison {
  cells: Map<string, Cell>;
  errors: Difference[];
  warnings: Difference[];
  /** What the proxy's observed behaviour was, for failed scenarios (one line), and the entry's reason for xfails. */
  notes: Map<string, string>;
}

export interface CompareInput {
  /** Every scenario of the suite as it is now (the feature files), not only those that ran. */
  catalog: readonly ScenarioIdentity[];
  results: readonly ScenarioResult[];
  /** Undefined when the proxy has no baseline file, or it could not be read (baselineError). */
  baseline: Baseline | undefined;
  /** Why the baseline file could not be read (BaselineError's message, naming file:line and field). */
  baselineError?: string;
  /** Where the baseline is, or would be (for messages). */
  baselineFile: string;
  target: string;
  /** As the adapter reported it in this run. */
  installedVersion: string;
  strictVersion: boolean;
  /** Scenario id -> what a failed scenario observed, in one line (observed.ts); else its first failure line. */
  observed?: ReadonlyMap<string, string>;
}

/** A core entry's reason must say which way it was decided (preamble of the baselines' header). */
const VERDICT = /proxy violates|scenario too strict/i;

export function profileOf(tags: readonly string[]): Profile {
  if (tags.includes('@core')) return 'core';
  if (tags.includes('@extended')) return 'extended';
  if (tags.includes('@envoy')) return 'envoy';
  return 'none';
}

export function compareWithBaseline(input: CompareInput): Comparison {
  const { catalog, results, baseline, baselineFile, target } = input;
  const errors: Difference[] = [];
  const warnings: Difference[] = [];
  const cells = new Map<string, Cell>();
  const notes = new Map<string, string>();
  const record = `npm run matrix -- --record ${target}`;
  const expected = new Map<string, ExpectedFailure>((baseline?.expectedFailures ?? []).map((e) => [e.id, e]));
  const at = (e: ExpectedFailure) => `${baselineFile}:${e.line}`;
  const byId = new Map(results.map((r) => [r.id, r]));
  const known = new Set(catalog.map((s) => s.id));

  if (input.baselineError !== undefined) {
    errors.push({ kind: 'no-baseline', where: baselineFile, message: input.baselineError });
  } else if (!baseline) {
    errors.push({
      kind: 'no-baseline',
      where: baselineFile,
      message: `no baseline ${baselineFile}; record one with \`${record}\` and give every entry its reason`,
    });
  } else if (baseline.version !== input.installedVersion) {
    const message =
      `installed version ${input.installedVersion} differs from the baseline's ${baseline.version} ` +
      `(${baselineFile}); re-record it with \`${record}\` once the results are reviewed`;
    (input.strictVersion ? errors : warnings).push({ kind: 'version-mismatch', where: baselineFile, message });
  }

  for (const s of catalog) {
    const r = byId.get(s.id);
    const entry = expected.get(s.id);
    if (!r) {
      cells.set(s.id, 'absent');
      errors.push({ kind: 'not-run', id: s.id, message: `${s.id}: no result in ${target}'s run` });
      continue;
    }
    if (r.outcome === 'not-supported') {
      cells.set(s.id, 'n/s');
      if (entry)
        errors.push({
          kind: 'stale-entry',
          id: s.id,
          where: at(entry),
          message: `${s.id}: listed as an expected failure but not supported by ${target} now (needs ${r.notSupported.join(', ')}): remove it from the baseline`,
        });
      continue;
    }
    if (r.outcome === 'skipped') {
      // A baseline cannot excuse a scenario that did not run: its steps are undefined, or the run stopped.
      cells.set(s.id, 'skip');
      errors.push({ kind: 'not-run', id: s.id, message: `${s.id}: skipped (${r.status}); it must run` });
      continue;
    }
    if (entry?.intermittent) {
      cells.set(s.id, 'flaky');
      notes.set(s.id, `${r.outcome} this time; intermittent: ${entry.observed} - ${entry.reason}`);
      continue;
    }
    if (r.outcome === 'passed') {
      cells.set(s.id, entry ? 'xpass' : 'pass');
      if (entry)
        errors.push({
          kind: 'newly-passing',
          id: s.id,
          where: at(entry),
          message: `${s.id}: passes now but is listed as an expected failure: remove it from the baseline`,
        });
      continue;
    }
    if (!entry) {
      cells.set(s.id, 'fail');
      const seen = input.observed?.get(s.id) ?? r.message?.replace(/^\w*Error:\s*/, '');
      if (seen) notes.set(s.id, seen);
      errors.push({
        kind: 'new-failure',
        id: s.id,
        message: `${s.id}: fails and is not in the baseline (${r.uri}:${r.line})${seen ? `: ${seen}` : ''}`,
      });
      continue;
    }
    cells.set(s.id, 'xfail');
    notes.set(s.id, `${entry.observed} - ${entry.reason}`);
    const profile = profileOf(s.tags);
    if (entry.profile !== profile)
      errors.push({
        kind: 'profile-changed',
        id: s.id,
        where: at(entry),
        message: `${s.id}: the baseline says profile ${entry.profile}, the scenario is now ${profile}: review the entry and change its profile`,
      });
    if (entry.reason.trim() === TODO_REASON)
      errors.push({
        kind: 'todo-reason',
        id: s.id,
        where: at(entry),
        message: `${s.id}: reason is ${TODO_REASON}: write why ${target} deviates`,
      });
    else if (profile === 'core' && !VERDICT.test(entry.reason))
      errors.push({
        kind: 'no-verdict',
        id: s.id,
        where: at(entry),
        message: `${s.id}: a core failure's reason must give a verdict: 'proxy violates <RFC section> ...' or 'scenario too strict: ...'`,
      });
  }

  for (const e of baseline?.expectedFailures ?? []) {
    if (!known.has(e.id))
      errors.push({
        kind: 'stale-entry',
        id: e.id,
        where: at(e),
        message: `${e.id}: no such scenario in the features any more: remove it from the baseline (or fix the id)`,
      });
  }
  return { cells, errors, warnings, notes };
}
