import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { Envelope } from '@cucumber/messages';
import { parse } from 'yaml';
import { buildConformanceReport, writeConformanceReport } from '../../../harness/report/conformance_report';
import { isFailure, readEnvelopes, resultsFromEnvelopes } from '../../../harness/report/run_results';
import { summaryTable } from '../../../harness/report/summary';

/** Recorded from `conformance --target fixture` on test/harness/cli/fixture_suite (7 scenarios, every outcome). */
const RECORDED = path.join(__dirname, 'fixtures', 'fixture-run.ndjson');

const meta = {
  implementation: { name: 'fixture-proxy', version: '9.9.9' },
  suite: { name: 'h1-proxy-conformance', version: '0.1.0' },
  date: '2025-01-01T00:00:00.000Z',
  mode: 'local' as const,
  target: 'fixture',
  tags: '',
  reproduce: 'npm run conformance -- --target fixture --env local',
};

describe('scenario results from a recorded message stream', () => {
  const envelopes = readEnvelopes(RECORDED);

  it('classifies every scenario, with stable ids and its failure message', () => {
    const { scenarios, wallTimeMs } = resultsFromEnvelopes(envelopes);
    assert.deepEqual(
      scenarios.map((s) => [s.id, s.outcome]),
      [
        ['failures/a-failing-scenario', 'failed'],
        ['failures/a-scenario-skipped-for-no-declared-reason', 'skipped'],
        ['failures/a-scenario-with-an-undefined-step', 'failed'],
        ['stage_one/a-passing-scenario', 'passed'],
        ['stage_one/a-scenario-the-target-does-not-support', 'not-supported'],
        ['stage_one/an-outline-with-n-rows/one', 'passed'],
        ['stage_one/an-outline-with-n-rows/two', 'passed'],
      ],
    );
    const failing = scenarios.find((s) => s.id === 'failures/a-failing-scenario');
    assert.equal(failing?.message, 'Error: the fixture fails here');
    assert.equal(scenarios.find((s) => s.id.endsWith('undefined-step'))?.status, 'UNDEFINED');
    assert.deepEqual(scenarios.find((s) => s.outcome === 'not-supported')?.notSupported, ['trailers']);
    assert.ok(wallTimeMs >= 0);
  });

  it('counts a skip without a declared reason as a failure, except in a dry run', () => {
    const skipped = resultsFromEnvelopes(envelopes).scenarios.find((s) => s.outcome === 'skipped');
    assert.ok(skipped);
    assert.equal(isFailure(skipped, false), true);
    assert.equal(isFailure(skipped, true), false);
  });

  it('builds the conformance report per profile and stage', () => {
    const report = buildConformanceReport(envelopes, meta);
    assert.equal(report.kind, 'ConformanceReport');
    assert.deepEqual(report.implementation, meta.implementation);
    assert.deepEqual(report.profiles.core, {
      result: 'failure',
      statistics: { passed: 1, failed: 1, skipped: 0, notSupported: 1 },
      failedTests: ['failures/a-failing-scenario'],
      skippedTests: [],
      notSupportedTests: [{ id: 'stage_one/a-scenario-the-target-does-not-support', capabilities: ['trailers'] }],
    });
    assert.equal(report.profiles.extended.result, 'partial');
    assert.deepEqual(report.profiles.extended.skippedTests, ['failures/a-scenario-skipped-for-no-declared-reason']);
    assert.equal(report.profiles.envoy.result, 'failure');
    assert.deepEqual(report.stages['stage-1'], { passed: 3, failed: 0, skipped: 0, notSupported: 1 });
    assert.deepEqual(report.stages['stage-4'], { passed: 2, failed: 0, skipped: 0, notSupported: 0 });
    assert.deepEqual(report.stages.invariant, { passed: 0, failed: 0, skipped: 0, notSupported: 0 });
    assert.equal(report.totals.passed + report.totals.failed + report.totals.skipped + report.totals.notSupported, 7);
    assert.ok(report.invariants.length >= 12);
    assert.equal(report.reproduce, meta.reproduce);
  });

  it('writes the same report as JSON and YAML', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'conformance-report-'));
    try {
      const report = buildConformanceReport(envelopes, meta);
      const files = writeConformanceReport(report, dir);
      assert.deepEqual(JSON.parse(fs.readFileSync(files.json, 'utf8')), report);
      assert.deepEqual(parse(fs.readFileSync(files.yaml, 'utf8')), report);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints a summary row per stage and profile and lists what did not pass', () => {
    const { scenarios } = resultsFromEnvelopes(envelopes);
    const table = summaryTable(scenarios, 1234, false);
    assert.match(table, /^@stage-1 +3 +0 +0 +1 /m);
    assert.match(table, /^@core +1 +1 +0 +1 /m);
    assert.match(table, /^total +3 +2 +1 +1 /m);
    assert.match(table, /wall time 1\.2s/);
    assert.match(
      table,
      /FAILED {2}failures\/a-failing-scenario {2}\(features\/failures\.feature:5\) - Error: the fixture fails here/,
    );
    assert.match(table, /SKIPPED failures\/a-scenario-skipped-for-no-declared-reason/);
  });
});

describe('message stream edge cases', () => {
  const envelopes = readEnvelopes(RECORDED);
  const attemptOf = (name: string) => {
    const pickle = envelopes.find((e) => e.pickle?.name === name)?.pickle;
    const testCase = envelopes.find((e) => e.testCase?.pickleId === pickle?.id)?.testCase;
    return envelopes.find((e) => e.testCaseStarted?.testCaseId === testCase?.id)?.testCaseStarted;
  };

  it('judges a retried scenario by its last attempt', () => {
    const first = attemptOf('A failing scenario');
    assert.ok(first);
    const stepId = envelopes.find((e) => e.testStepFinished?.testCaseStartedId === first.id)?.testStepFinished
      ?.testStepId;
    const ts = { seconds: 1, nanos: 0 };
    const retried: Envelope[] = [
      ...envelopes.filter((e) => !e.testRunFinished),
      { testCaseStarted: { ...first, id: 'retry-1', attempt: 1 } },
      {
        testStepFinished: {
          testCaseStartedId: 'retry-1',
          testStepId: stepId ?? 'x',
          testStepResult: { status: 'PASSED', duration: { seconds: 0, nanos: 1 } },
          timestamp: ts,
        },
      },
      { testCaseFinished: { testCaseStartedId: 'retry-1', timestamp: ts, willBeRetried: false } },
    ] as Envelope[];
    const r = resultsFromEnvelopes(retried).scenarios.find((s) => s.id === 'failures/a-failing-scenario');
    assert.equal(r?.outcome, 'passed');
  });

  it('reads base64 not-supported markers and never passes an unreadable one', () => {
    const mark = (body: string, contentEncoding: string) =>
      envelopes.map((e) =>
        e.attachment ? ({ attachment: { ...e.attachment, body, contentEncoding } } as Envelope) : e,
      );
    const b64 = Buffer.from(JSON.stringify({ notSupported: ['trailers', 'via'] })).toString('base64');
    const ns = (list: Envelope[]) => resultsFromEnvelopes(list).scenarios.find((s) => s.notSupported.length > 0);
    assert.deepEqual(ns(mark(b64, 'BASE64'))?.notSupported, ['trailers', 'via']);
    assert.deepEqual(ns(mark('{not json', 'IDENTITY'))?.notSupported, ['(unreadable not-supported attachment)']);
  });

  it('names the line of a corrupt NDJSON file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ndjson-'));
    try {
      const file = path.join(dir, 'm.ndjson');
      fs.writeFileSync(file, '{"meta":{}}\n{oops\n');
      assert.throws(() => readEnvelopes(file), /m\.ndjson:2: not a JSON message envelope/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
