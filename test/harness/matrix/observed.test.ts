import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateMessages } from '@cucumber/gherkin';
import { type Envelope, IdGenerator, SourceMediaType } from '@cucumber/messages';
import { failureMessages, MAX_OBSERVED_CHARS, observedLine, observedOf } from '../../../harness/matrix/observed';

const FEATURE = `Feature: Fixture
  Scenario: Retried then failed
    Given a step
    And another step

  Scenario: Passes
    Given a step
`;

/** The Gherkin messages of FEATURE plus test-case messages: each attempt's failed steps carry the given messages. */
function envelopes(attempts: Array<{ scenario: number; failed: string[] }>): Envelope[] {
  const out: Envelope[] = [
    ...generateMessages(FEATURE, 'features/fixture.feature', SourceMediaType.TEXT_X_CUCUMBER_GHERKIN_PLAIN, {
      includeSource: false,
      includeGherkinDocument: true,
      includePickles: true,
      newId: IdGenerator.incrementing(),
    }),
  ];
  const pickles = out.filter((e) => e.pickle).map((e) => e.pickle!);
  pickles.forEach((p, i) => {
    out.push({ testCase: { id: `tc${i}`, pickleId: p.id, testSteps: [], testRunStartedId: 'run' } });
  });
  const zero = { seconds: 0, nanos: 0 };
  attempts.forEach((a, n) => {
    const started = `attempt${n}`;
    out.push({ testCaseStarted: { id: started, testCaseId: `tc${a.scenario}`, attempt: n, timestamp: zero } });
    for (const message of a.failed)
      out.push({
        testStepFinished: {
          testCaseStartedId: started,
          testStepId: 'step',
          testStepResult: { status: 'FAILED', message, duration: zero },
          timestamp: zero,
        },
      } as Envelope);
  });
  return out;
}

describe('observed lines from failure messages', () => {
  it("joins the message's first line with the first observed line", () => {
    const message = [
      'Error: the response: expected status 400',
      'observed:',
      '  HTTP/1.1 200 OK  [framing=content-length complete=true]',
      '  Server: nginx/1.22.1',
      '    at fail (/work/main/steps/then_messages.ts:14:9)',
    ].join('\n');
    assert.equal(observedLine(message), 'the response: expected status 400; observed HTTP/1.1 200 OK');
  });

  it('keeps what matters of the parser note: a parse error, or an incomplete message', () => {
    const parse =
      'Error: the response: expected status 502\nobserved:\n   0   [framing=none complete=false parseError="not an HTTP status line (does not start with \\"HTTP/\\")"]\n';
    assert.equal(
      observedLine(parse),
      'the response: expected status 502; observed a response that does not parse: not an HTTP status line (does not start with "HTTP/")',
    );
    const cut =
      'Error: the response: expected status 502\nobserved:\n  HTTP/1.1 200 OK  [framing=content-length complete=false]\n';
    assert.equal(observedLine(cut), 'the response: expected status 502; observed HTTP/1.1 200 OK (incomplete)');
  });

  it('takes the line after a heading that ends with a colon, and hides ports', () => {
    const message = 'invariant violated:\nthe next line says which, on 127.0.0.1:41234\n    at x (y.ts:1:1)';
    assert.equal(observedLine(message), 'invariant violated: the next line says which, on 127.0.0.1:PORT');
  });

  it('names a violated invariant by its id and takes the violation it lists as what was observed', () => {
    const message = [
      'Error: invariant violated:',
      'INV-03-PIPELINE-WAITS-FOR-UPSTREAM: A pipelined request reaches an upstream only after ...',
      '  - c1 request #1 (POST /p/2) reached app#2 request #0 (POST /p/2) at +3.7ms, before ...',
    ].join('\n');
    assert.equal(
      observedLine(message),
      'invariant violated: INV-03-PIPELINE-WAITS-FOR-UPSTREAM; observed c1 request #1 (POST /p/2) reached app#2 request #0 (POST /p/2) at +3.7ms, before ...',
    );
  });

  it('drops the error class and does not take a stack line for the observed part', () => {
    assert.equal(observedLine('AssertionError [ERR_ASSERTION]: expected 1\n    at x (y.ts:1:1)'), 'expected 1');
  });

  it('picks the field the first line names, else the start line, from the observed block', () => {
    const request = [
      'Error: the request upstream "app" received: expected no header X-Hop-Secret',
      'observed:',
      '  [app#1 #0] GET /hop HTTP/1.1  [framing=none complete=true]',
      '    Host: example.com',
      '    x-hop-secret: secret',
    ].join('\n');
    assert.equal(
      observedLine(request),
      'the request upstream "app" received: expected no header X-Hop-Secret; observed x-hop-secret: secret',
    );
    const upstream = [
      'Error: expected upstream "app" to see 1 connection(s), it saw 2',
      'observed:',
      'upstream app (127.0.0.1:4000): 2 connection(s)',
      ' app#1 from port 35606, open, 1 request(s), 134B',
      '  [app#1 #0] GET /again HTTP/1.1  [framing=none complete=true]',
    ].join('\n');
    assert.equal(
      observedLine(upstream),
      'expected upstream "app" to see 1 connection(s), it saw 2; observed [app#1 #0] GET /again HTTP/1.1',
    );
    const nothing = 'Error: the response: timed out\nobserved:\nclient c1 parsed 0 response(s):\n';
    assert.equal(observedLine(nothing), 'the response: timed out; observed client c1 parsed 0 response(s)');
  });

  it('adds what the client parsed when a wait gave up', () => {
    const message =
      'Error: <await response>: response 1 was not complete within 3000 ms\nclient c1 parsed 0 response(s):\n';
    assert.equal(
      observedLine(message),
      '<await response>: response 1 was not complete within 3000 ms: client c1 parsed 0 response(s)',
    );
  });

  it('shortens very long lines', () => {
    const line = observedLine(`Error: ${'x'.repeat(500)}`);
    assert.equal(line.length, MAX_OBSERVED_CHARS);
    assert.ok(line.endsWith('...'));
  });

  it("falls back to the result's message when the stream has none", () => {
    assert.equal(
      observedOf(undefined, 'the client received no response   1 within 3000 ms'),
      'the client received no response 1 within 3000 ms',
    );
    assert.equal(observedOf([], undefined), 'failed (no message)');
  });

  it("collects each scenario's failed-step messages from its last attempt", () => {
    const map = failureMessages(
      envelopes([
        { scenario: 0, failed: ['Error: first attempt'] },
        { scenario: 0, failed: ['Error: second attempt', 'Error: a later step'] },
        { scenario: 1, failed: [] },
      ]),
    );
    assert.deepEqual(
      [...map.entries()],
      [['fixture/retried-then-failed', ['Error: second attempt', 'Error: a later step']]],
    );
  });
});
