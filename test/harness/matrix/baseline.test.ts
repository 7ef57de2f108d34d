import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Baseline, BaselineError, parseBaseline, renderBaseline } from '../../../harness/matrix/baseline';

const FILE = 'baselines/nginx.yaml';

const VALID = `# header
target: nginx
version: 1.22.1
date: 2026-11-25
expected_failures:
  - id: stage3/a-field-named-in-connection-is-not-forwarded
    profile: core
    observed: forwards the x-hop field named in Connection
    reason: proxy violates RFC 9110 7.6.1 MUST
  - id: stage4/envoy-text
    profile: envoy
    observed: "answers 504 with its own page: body differs"
    reason: Envoy's text, not a requirement
not_supported:
  - stage2/needs-trailers
`;

function parseError(text: string): string {
  try {
    parseBaseline(text, FILE);
  } catch (err) {
    assert.ok(err instanceof BaselineError, `expected a BaselineError, got ${String(err)}`);
    return err.message;
  }
  assert.fail('expected the baseline to be rejected');
}

describe('baseline files', () => {
  it('parses every field, with the line of each entry', () => {
    const b = parseBaseline(VALID, FILE);
    assert.equal(b.target, 'nginx');
    assert.equal(b.version, '1.22.1');
    assert.equal(b.date, '2026-11-25');
    assert.equal(b.file, FILE);
    assert.deepEqual(
      b.expectedFailures.map((e) => [e.id, e.profile, e.line]),
      [
        ['stage3/a-field-named-in-connection-is-not-forwarded', 'core', 6],
        ['stage4/envoy-text', 'envoy', 10],
      ],
    );
    assert.equal(b.expectedFailures[1].observed, 'answers 504 with its own page: body differs');
    assert.equal(b.expectedFailures[0].reason, 'proxy violates RFC 9110 7.6.1 MUST');
    assert.deepEqual(b.notSupported, ['stage2/needs-trailers']);
  });

  it('reads an intermittent flag and writes it back only when set', () => {
    const text = VALID.replace(
      "reason: Envoy's text, not a requirement",
      "reason: Envoy's text, not a requirement\n    intermittent: true",
    );
    const b = parseBaseline(text, FILE);
    assert.equal(b.expectedFailures[1].intermittent, true);
    assert.equal(b.expectedFailures[0].intermittent, undefined);
    const again = renderBaseline(b);
    assert.equal((again.match(/^ +intermittent: true$/gm) ?? []).length, 1);
    assert.equal(parseBaseline(again, FILE).expectedFailures[1].intermittent, true);
  });

  it('accepts an empty list of expected failures and no not_supported', () => {
    const b = parseBaseline('target: reference\nversion: 0.1.0\ndate: 2026-11-25\nexpected_failures: []\n', FILE);
    assert.deepEqual(b.expectedFailures, []);
    assert.deepEqual(b.notSupported, []);
  });

  it('round-trips what it renders, keeping a header comment', () => {
    const b = parseBaseline(VALID, FILE);
    const text = renderBaseline(b);
    assert.match(text, /^# Expected deviations of nginx/);
    const again: Baseline = parseBaseline(text, FILE);
    assert.deepEqual(
      again.expectedFailures.map(({ line: _l, ...e }) => e),
      b.expectedFailures.map(({ line: _l, ...e }) => e),
    );
    assert.deepEqual(again.notSupported, b.notSupported);
    assert.equal(again.version, '1.22.1');
  });

  it('quotes a version that YAML would read as a number, so it stays a string', () => {
    const b = parseBaseline(VALID, FILE);
    const text = renderBaseline({ ...b, version: '2.6' });
    assert.equal(parseBaseline(text, FILE).version, '2.6');
  });

  const cases: Array<[string, string, RegExp]> = [
    ['not YAML', 'target: [nginx\n', /^baselines\/nginx\.yaml:\d+: not valid YAML/],
    ['not a mapping', '- a\n- b\n', /^baselines\/nginx\.yaml:1: expected a mapping/],
    [
      'an unknown top-level field',
      VALID.replace('date: 2026-11-25', 'date: 2026-11-25\nreviewer: me'),
      /^baselines\/nginx\.yaml:5: unknown field "reviewer"; expected one of target, version/,
    ],
    ['a missing version', VALID.replace('version: 1.22.1\n', ''), /^baselines\/nginx\.yaml:1: missing field version/],
    [
      'a version YAML reads as a number',
      VALID.replace('version: 1.22.1', 'version: 2.6'),
      /^baselines\/nginx\.yaml:3: version: expected the version string .*, got 2\.6 \(quote it: "2\.6"\)/,
    ],
    [
      'a date that is not YYYY-MM-DD',
      VALID.replace('date: 2026-11-25', 'date: 25/11/2026'),
      /^baselines\/nginx\.yaml:4: date: expected a date YYYY-MM-DD, got "25\/11\/2026"/,
    ],
    [
      'expected_failures that is not a list',
      VALID.replace(/expected_failures:[\s\S]*$/, 'expected_failures: none\n'),
      /^baselines\/nginx\.yaml:5: expected_failures: expected a list/,
    ],
    [
      'an entry without its reason',
      VALID.replace('    reason: proxy violates RFC 9110 7.6.1 MUST\n', ''),
      /^baselines\/nginx\.yaml:6: expected_failures\[0\]\.reason: missing; expected why the proxy deviates/,
    ],
    [
      'an empty observed',
      VALID.replace('observed: forwards the x-hop field named in Connection', 'observed: ""'),
      /^baselines\/nginx\.yaml:8: expected_failures\[0\]\.observed: expected one line .*got an empty value/,
    ],
    [
      'an unknown profile',
      VALID.replace('profile: envoy', 'profile: optional'),
      /^baselines\/nginx\.yaml:11: expected_failures\[1\]\.profile: expected one of core, extended, envoy, none, got "optional"/,
    ],
    [
      'an unknown entry field',
      VALID.replace('profile: envoy', 'profile: envoy\n    since: 1.20'),
      /^baselines\/nginx\.yaml:12: expected_failures\[1\]: unknown field "since"/,
    ],
    [
      'an intermittent flag that is not a boolean',
      VALID.replace(
        "reason: Envoy's text, not a requirement",
        "reason: Envoy's text, not a requirement\n    intermittent: sometimes",
      ),
      /^baselines\/nginx\.yaml:14: expected_failures\[1\]\.intermittent: expected true or false/,
    ],
    [
      'an id that is not a scenario id',
      VALID.replace('id: stage4/envoy-text', 'id: Stage 4 Envoy text'),
      /^baselines\/nginx\.yaml:10: expected_failures\[1\]\.id: expected a scenario id/,
    ],
    [
      'a scenario listed twice',
      VALID.replace('id: stage4/envoy-text', 'id: stage3/a-field-named-in-connection-is-not-forwarded'),
      /^baselines\/nginx\.yaml:10: expected_failures\[1\]\.id: stage3\/a-field-named-in-connection-is-not-forwarded is listed twice \(also at line 6\)/,
    ],
    [
      'a not_supported item that is not an id',
      VALID.replace('  - stage2/needs-trailers', '  - {id: x}'),
      /^baselines\/nginx\.yaml:\d+: not_supported\[0\]: expected a scenario id/,
    ],
  ];
  for (const [what, text, expected] of cases) {
    it(`rejects ${what}, naming file:line and the field`, () => {
      assert.match(parseError(text), expected);
    });
  }
});
