import type { Envelope, GherkinDocument, Pickle } from '@cucumber/messages';
import { scenarioIdentities } from '../report/scenario_ids';

/**
 * What a failed scenario observed, in one line, from the failed steps' messages in Cucumber's message stream: the
 * seed of a baseline entry's `observed` (a human may then rewrite it). Step messages look like
 *   Error: the response: expected status 400
 *   observed:
 *     HTTP/1.1 200 OK  [framing=content-length complete=true]
 *     ...
 * and give 'the response: expected status 400; observed HTTP/1.1 200 OK'.
 */

/** Most characters kept of one observed line. */
export const MAX_OBSERVED_CHARS = 200;

/** Scenario id -> the failed steps' messages of its last attempt, in step order. */
export function failureMessages(envelopes: readonly Envelope[]): Map<string, string[]> {
  const docs: GherkinDocument[] = [];
  const pickles: Pickle[] = [];
  const pickleOfTestCase = new Map<string, string>();
  const testCaseOfAttempt = new Map<string, string>();
  const lastAttempt = new Map<string, string>();
  const messages = new Map<string, string[]>();
  for (const e of envelopes) {
    if (e.gherkinDocument) docs.push(e.gherkinDocument);
    else if (e.pickle) pickles.push(e.pickle);
    else if (e.testCase) pickleOfTestCase.set(e.testCase.id, e.testCase.pickleId);
    else if (e.testCaseStarted) {
      testCaseOfAttempt.set(e.testCaseStarted.id, e.testCaseStarted.testCaseId);
      // Retried scenarios count by their last attempt, as in the conformance report.
      lastAttempt.set(e.testCaseStarted.testCaseId, e.testCaseStarted.id);
    } else if (e.testStepFinished?.testStepResult.status === 'FAILED') {
      const r = e.testStepFinished.testStepResult;
      const text = r.message ?? r.exception?.message ?? 'failed step (no message)';
      const list = messages.get(e.testStepFinished.testCaseStartedId) ?? [];
      list.push(text);
      messages.set(e.testStepFinished.testCaseStartedId, list);
    }
  }
  const idOfPickle = new Map(scenarioIdentities(docs, pickles).map((s) => [s.pickleId, s.id]));
  const out = new Map<string, string[]>();
  for (const [testCaseId, attempt] of lastAttempt) {
    const list = messages.get(attempt);
    const id = idOfPickle.get(pickleOfTestCase.get(testCaseId) ?? '');
    if (list && id !== undefined) out.set(id, list);
  }
  return out;
}

/**
 * One line from a failed step's message: its first line, then the most telling line of its `observed:` block: the
 * field the first line names (`expected no header X-Hop-Secret` -> `X-Hop-Secret: secret`), else the first status or
 * request line, else the block's first line.
 */
export function observedLine(message: string): string {
  const lines = message.split('\n').filter((l) => !/^\s+at /.test(l));
  let first = (lines[0] ?? '').trim().replace(/^(?:[A-Za-z]*Error(?: \[[A-Z_]+\])?:\s*)/, '');
  const at = lines.findIndex((l) => /^observed:\s*$/.test(l.trim()));
  const detail = lines.slice(1, at >= 0 ? at : undefined).find((l) => l.trim() !== '');
  // 'invariant violated:' (the After hook) says which invariant on the next line; 'parsed 0 response(s)' says why
  // nothing could be checked.
  if (detail && (first.endsWith(':') || /^\s*(client|upstream) \S+ (parsed|received) /.test(detail))) {
    // An invariant's statement is long and the same every time: its id says which.
    const said = /^\s*(INV-[A-Z0-9-]+):/.exec(detail)?.[1] ?? detail.trim().replace(/:$/, '');
    first = `${first.replace(/:$/, '')}: ${said}`;
  }
  const block = at >= 0 ? lines.slice(at + 1).filter((l) => l.trim() !== '') : [];
  // Without an observed block, a violation listed as '  - ...' is what was seen.
  const bullet = lines.slice(1).find((l) => /^\s*- /.test(l));
  const seen = block.length > 0 ? mostTelling(first, block) : bullet ? bullet.trim().replace(/^- /, '') : undefined;
  let text = seen ? `${first}; observed ${seen}` : first;
  text = normalize(text);
  return text.length > MAX_OBSERVED_CHARS ? `${text.slice(0, MAX_OBSERVED_CHARS - 3)}...` : text;
}

const START_LINE = /^(\[[^\]]*\]\s*)?(HTTP\/\d\.\d\s|[A-Z]+ \S+ HTTP\/\d\.\d)/;

function mostTelling(first: string, block: readonly string[]): string {
  const field = /\bheader ([A-Za-z0-9-]+)/.exec(first)?.[1];
  if (field) {
    const line = block.find((l) => l.trim().toLowerCase().startsWith(`${field.toLowerCase()}:`));
    if (line) return line.trim();
  }
  const start = block.find((l) => START_LINE.test(l.trim()));
  return describeObserved((start ?? block[0]).trim()).replace(/:$/, '');
}

/**
 * The first observed line without the parser's annotation, keeping what matters of it: a parse error, or that the
 * message was incomplete. '0   [framing=none complete=false parseError="not an HTTP status line"]' -> 'a response
 * that does not parse: not an HTTP status line'.
 */
function describeObserved(line: string): string {
  const m = /^(.*?)\s*\[([^[\]]*(?:"[^"]*"[^[\]]*)*)\]$/.exec(line);
  if (!m) return line;
  const [, head, note] = m;
  const parseError = /parseError="((?:[^"\\]|\\.)*)"/.exec(note);
  if (parseError) return `a response that does not parse: ${parseError[1].replace(/\\(.)/g, '$1')}`;
  return /complete=false/.test(note) ? `${head} (incomplete)` : head;
}

/** The observed line of a scenario: from its first failed step (later ones are usually consequences). */
export function observedOf(messages: readonly string[] | undefined, fallback: string | undefined): string {
  if (messages && messages.length > 0) return observedLine(messages[0]);
  return normalize(fallback ?? 'failed (no message)');
}

/** Ports change from run to run; a baseline must not. */
function normalize(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .replace(/\b(127\.0\.0\.1|localhost|\[::1\]):\d+/g, '$1:PORT')
    .trim();
}
