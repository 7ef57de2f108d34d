import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Baseline, ExpectedFailure } from '../../../harness/matrix/baseline';
import { type CompareInput, compareWithBaseline, profileOf } from '../../../harness/matrix/compare';
import { recordBaseline, unrecordable } from '../../../harness/matrix/record';
import type { Outcome, ScenarioResult } from '../../../harness/report/run_results';
import type { ScenarioIdentity } from '../../../harness/report/scenario_ids';

const identity = (id: string, profile: string, line = 1): ScenarioIdentity => ({
  id,
  name: id,
  uri: `features/${id.split('/')[0]}.feature`,
  line,
  tags: [`@${profile}`, '@stage-1'],
  pickleId: id,
});

const result = (s: ScenarioIdentity, outcome: Outcome, message?: string): ScenarioResult => ({
  ...s,
  outcome,
  status: outcome === 'failed' ? 'FAILED' : outcome === 'passed' ? 'PASSED' : 'SKIPPED',
  notSupported: outcome === 'not-supported' ? ['trailers'] : [],
  durationMs: 1,
  ...(message ? { message } : {}),
});

const entry = (id: string, profile: ExpectedFailure['profile'], reason: string, line: number): ExpectedFailure => ({
  id,
  profile,
  observed: 'answers 200',
  reason,
  line,
});

const PASSES = identity('s1/passes', 'core', 3);
const CORE_FAIL = identity('s1/core-fails', 'core', 5);
const ENVOY_FAIL = identity('s1/envoy-fails', 'envoy', 7);
const NOT_SUPPORTED = identity('s1/needs-trailers', 'extended', 9);
const CATALOG = [PASSES, CORE_FAIL, ENVOY_FAIL, NOT_SUPPORTED];

const BASELINE: Baseline = {
  target: 'nginx',
  version: '1.22.1',
  date: '2026-11-25',
  expectedFailures: [
    entry(CORE_FAIL.id, 'core', 'proxy violates RFC 9110 7.6.1 MUST', 6),
    entry(ENVOY_FAIL.id, 'envoy', "Envoy's own text", 10),
  ],
  notSupported: [NOT_SUPPORTED.id],
  file: 'baselines/nginx.yaml',
};

const RESULTS = [
  result(PASSES, 'passed'),
  result(CORE_FAIL, 'failed', 'Error: the response: expected status 400'),
  result(ENVOY_FAIL, 'failed', 'Error: the response: expected body'),
  result(NOT_SUPPORTED, 'not-supported'),
];

function compare(over: Partial<CompareInput> = {}) {
  return compareWithBaseline({
    catalog: CATALOG,
    results: RESULTS,
    baseline: BASELINE,
    baselineFile: 'baselines/nginx.yaml',
    target: 'nginx',
    installedVersion: '1.22.1',
    strictVersion: false,
    ...over,
  });
}

const kinds = (c: ReturnType<typeof compare>) => c.errors.map((e) => [e.kind, e.id ?? '']);

describe('comparing a run with its baseline', () => {
  it('finds no difference when the run fails exactly the listed scenarios', () => {
    const c = compare();
    assert.deepEqual(c.errors, []);
    assert.deepEqual(c.warnings, []);
    assert.deepEqual(Object.fromEntries(c.cells), {
      [PASSES.id]: 'pass',
      [CORE_FAIL.id]: 'xfail',
      [ENVOY_FAIL.id]: 'xfail',
      [NOT_SUPPORTED.id]: 'n/s',
    });
    assert.equal(c.notes.get(CORE_FAIL.id), 'answers 200 - proxy violates RFC 9110 7.6.1 MUST');
  });

  it('reports a new failure, with what the run observed', () => {
    const results = [...RESULTS];
    results[0] = result(PASSES, 'failed', 'Error: the response: expected status 200');
    const c = compare({ results, observed: new Map([[PASSES.id, 'expected status 200; observed HTTP/1.1 502']]) });
    assert.deepEqual(kinds(c), [['new-failure', PASSES.id]]);
    assert.match(
      c.errors[0].message,
      /s1\/passes: fails and is not in the baseline \(features\/s1\.feature:3\): expected status 200; observed HTTP\/1\.1 502/,
    );
    assert.equal(c.cells.get(PASSES.id), 'fail');
  });

  it('reports a listed scenario that passes now, saying to remove it', () => {
    const results = [...RESULTS];
    results[1] = result(CORE_FAIL, 'passed');
    const c = compare({ results });
    assert.deepEqual(kinds(c), [['newly-passing', CORE_FAIL.id]]);
    assert.match(c.errors[0].message, /passes now .*remove it from the baseline/);
    assert.equal(c.errors[0].where, 'baselines/nginx.yaml:6');
    assert.equal(c.cells.get(CORE_FAIL.id), 'xpass');
  });

  it('reports an entry for a scenario that no longer exists', () => {
    const baseline = {
      ...BASELINE,
      expectedFailures: [...BASELINE.expectedFailures, entry('s1/renamed', 'core', 'proxy violates x', 14)],
    };
    const c = compare({ baseline });
    assert.deepEqual(kinds(c), [['stale-entry', 's1/renamed']]);
    assert.match(c.errors[0].message, /no such scenario in the features any more/);
    assert.equal(c.errors[0].where, 'baselines/nginx.yaml:14');
  });

  it('reports an entry for a scenario the proxy does not support: not-supported never counts as a failure', () => {
    const baseline = {
      ...BASELINE,
      expectedFailures: [...BASELINE.expectedFailures, entry(NOT_SUPPORTED.id, 'extended', 'x', 14)],
    };
    const c = compare({ baseline });
    assert.deepEqual(kinds(c), [['stale-entry', NOT_SUPPORTED.id]]);
    assert.match(c.errors[0].message, /not supported by nginx now \(needs trailers\)/);
    assert.equal(c.cells.get(NOT_SUPPORTED.id), 'n/s');
  });

  it('rejects a TODO reason, and a core reason without a verdict', () => {
    const baseline = {
      ...BASELINE,
      expectedFailures: [
        entry(CORE_FAIL.id, 'core', 'nginx does its own thing', 6),
        entry(ENVOY_FAIL.id, 'envoy', 'TODO', 10),
      ],
    };
    const c = compare({ baseline });
    assert.deepEqual(kinds(c), [
      ['no-verdict', CORE_FAIL.id],
      ['todo-reason', ENVOY_FAIL.id],
    ]);
    assert.match(c.errors[0].message, /'proxy violates <RFC section> \.\.\.' or 'scenario too strict: \.\.\.'/);
    assert.equal(c.errors[1].where, 'baselines/nginx.yaml:10');
  });

  it('accepts either verdict for a core failure', () => {
    for (const reason of ['proxy violates RFC 9112 6.1 MUST', 'scenario too strict: 502 is also allowed']) {
      const baseline = {
        ...BASELINE,
        expectedFailures: [entry(CORE_FAIL.id, 'core', reason, 6), BASELINE.expectedFailures[1]],
      };
      assert.deepEqual(compare({ baseline }).errors, [], reason);
    }
  });

  it('reports an entry whose profile no longer matches the scenario', () => {
    const baseline = {
      ...BASELINE,
      expectedFailures: [BASELINE.expectedFailures[0], entry(ENVOY_FAIL.id, 'extended', 'x', 10)],
    };
    const c = compare({ baseline });
    assert.deepEqual(kinds(c), [['profile-changed', ENVOY_FAIL.id]]);
    assert.match(c.errors[0].message, /baseline says profile extended, the scenario is now envoy/);
  });

  it('warns about a version mismatch, and fails on it only with strictVersion', () => {
    const loose = compare({ installedVersion: '1.24.0' });
    assert.deepEqual(loose.errors, []);
    assert.equal(loose.warnings.length, 1);
    assert.match(loose.warnings[0].message, /installed version 1\.24\.0 differs from the baseline's 1\.22\.1/);
    const strict = compare({ installedVersion: '1.24.0', strictVersion: true });
    assert.deepEqual(kinds(strict), [['version-mismatch', '']]);
    assert.deepEqual(strict.warnings, []);
  });

  it('reports a missing baseline, and every failure as new', () => {
    const c = compare({ baseline: undefined });
    assert.deepEqual(kinds(c), [
      ['no-baseline', ''],
      ['new-failure', CORE_FAIL.id],
      ['new-failure', ENVOY_FAIL.id],
    ]);
    assert.match(
      c.errors[0].message,
      /no baseline baselines\/nginx\.yaml; record one with `npm run matrix -- --record nginx`/,
    );
  });

  it('passes on why a baseline could not be read', () => {
    const c = compare({ baseline: undefined, baselineError: 'baselines/nginx.yaml:3: version: expected ...' });
    assert.equal(c.errors[0].message, 'baselines/nginx.yaml:3: version: expected ...');
  });

  it('reports scenarios without a result, and skipped ones, even when listed', () => {
    const c = compare({ results: [RESULTS[0], result(CORE_FAIL, 'skipped'), RESULTS[3]] });
    assert.deepEqual(kinds(c), [
      ['not-run', CORE_FAIL.id],
      ['not-run', ENVOY_FAIL.id],
    ]);
    assert.equal(c.cells.get(CORE_FAIL.id), 'skip');
    assert.equal(c.cells.get(ENVOY_FAIL.id), 'absent');
  });

  it('accepts either outcome for an intermittent entry, and shows it as flaky', () => {
    const flaky = { ...entry(ENVOY_FAIL.id, 'envoy', 'a race in the scenario', 10), intermittent: true };
    const baseline = { ...BASELINE, expectedFailures: [BASELINE.expectedFailures[0], flaky] };
    for (const outcome of ['passed', 'failed'] as const) {
      const results = [...RESULTS];
      results[2] = result(ENVOY_FAIL, outcome);
      const c = compare({ baseline, results });
      assert.deepEqual(c.errors, [], outcome);
      assert.equal(c.cells.get(ENVOY_FAIL.id), 'flaky');
      assert.match(c.notes.get(ENVOY_FAIL.id) ?? '', new RegExp(`^${outcome} this time; intermittent`));
    }
  });

  it('reads the profile from the tags', () => {
    assert.equal(profileOf(['@stage-1', '@extended']), 'extended');
    assert.equal(profileOf(['@stage-1']), 'none');
  });
});

describe('recording a baseline from a run', () => {
  it('keeps the observed text and reason of known entries, adds TODO ones, drops passing ones', () => {
    const newFail = identity('s1/new-fail', 'extended', 11);
    const results = [
      result(PASSES, 'passed'),
      result(CORE_FAIL, 'failed', 'Error: expected status 400'),
      result(ENVOY_FAIL, 'passed'),
      result(NOT_SUPPORTED, 'not-supported'),
      result(newFail, 'failed', 'Error: the response: expected status 431'),
    ];
    const rec = recordBaseline({
      previous: BASELINE,
      target: 'nginx',
      version: '1.24.0',
      date: '2026-12-01',
      results,
      observed: new Map([[newFail.id, 'the response: expected status 431; observed HTTP/1.1 400 Bad Request']]),
      file: 'baselines/nginx.yaml',
    });
    assert.deepEqual(rec.kept, [CORE_FAIL.id]);
    assert.deepEqual(rec.added, [newFail.id]);
    assert.deepEqual(rec.removed, [ENVOY_FAIL.id]);
    assert.equal(rec.baseline.version, '1.24.0');
    assert.equal(rec.baseline.date, '2026-12-01');
    assert.deepEqual(
      rec.baseline.expectedFailures.map(({ line: _l, ...e }) => e),
      [
        { id: CORE_FAIL.id, profile: 'core', observed: 'answers 200', reason: 'proxy violates RFC 9110 7.6.1 MUST' },
        {
          id: newFail.id,
          profile: 'extended',
          observed: 'the response: expected status 431; observed HTTP/1.1 400 Bad Request',
          reason: 'TODO',
        },
      ],
    );
    assert.deepEqual(rec.baseline.notSupported, [NOT_SUPPORTED.id]);
  });

  it('keeps an intermittent entry when its scenario passed this time', () => {
    const flaky = { ...entry(ENVOY_FAIL.id, 'envoy', 'a race', 10), intermittent: true };
    const rec = recordBaseline({
      previous: { ...BASELINE, expectedFailures: [flaky] },
      target: 'nginx',
      version: '1.22.1',
      date: '2026-12-01',
      results: [result(ENVOY_FAIL, 'passed')],
      observed: new Map(),
      file: 'baselines/nginx.yaml',
    });
    assert.deepEqual(rec.removed, []);
    assert.deepEqual(
      rec.baseline.expectedFailures.map((e) => [e.id, e.intermittent, e.reason]),
      [[ENVOY_FAIL.id, true, 'a race']],
    );
  });

  it('refuses a run with skipped scenarios', () => {
    assert.deepEqual(unrecordable([result(PASSES, 'passed'), result(CORE_FAIL, 'skipped')]), [
      `${CORE_FAIL.id}: skipped (SKIPPED)`,
    ]);
  });
});
