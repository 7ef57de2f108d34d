/**
 * Then steps about messages: the responses the client received and the requests the upstreams received. Every
 * failure prints the message as it was observed.
 */
import { Then } from '@cucumber/cucumber';
import { escapeBytesCut } from '../harness/util/escape';
import type { Framing, StatusMatcher, ValueOp } from './parameter_types';
import { describeResponses } from './support/describe';
import { fieldValue, type MessageView, messageView } from './support/messages';
import { unescapeWire } from './support/wire_text';
import { type ConformanceWorld, type MessageRef, WAIT_MS } from './world';

function fail(view: MessageView, expected: string): never {
  throw new Error(`${view.label}: expected ${expected}\nobserved:\n${view.observed}`);
}

/** "the body" of a message is only meaningful once the message is complete. */
function requireComplete(view: MessageView, what: string): void {
  if (!view.complete) fail(view, `${what}, but the message is incomplete`);
}

function compare(actual: string | undefined, op: ValueOp, expected: string): boolean {
  if (actual === undefined) return false;
  return op === '=' ? actual === expected : actual.toLowerCase().includes(expected.toLowerCase());
}

Then(
  'the client receives a response with status {status}',
  async function (this: ConformanceWorld, status: StatusMatcher) {
    const view = await messageView(this, { kind: 'response', client: 0, index: 0, label: 'the response' });
    if (view.status === undefined || !status.test(view.status)) fail(view, `status ${status.label}`);
  },
);

Then('the client receives responses with statuses {string}', async function (this: ConformanceWorld, list: string) {
  const expected = list.split(',').map((s) => s.trim());
  if (expected.some((s) => !/^(\d{3}|[1-5]xx)$/.test(s)))
    throw new Error(`statuses ${JSON.stringify(list)}: expected a comma-separated list such as "200, 200, 400"`);
  const client = this.client(0);
  const got = await this.responsesOf(client, expected.length);
  const ok =
    got.length === expected.length &&
    got.every(
      (r, i) =>
        r.complete &&
        (expected[i].endsWith('xx') ? `${r.status}`[0] === expected[i][0] : `${r.status}` === expected[i]),
    );
  if (!ok)
    throw new Error(
      `expected ${expected.length} complete responses with statuses ${expected.join(', ')}\nobserved:\n` +
        describeResponses(client.id, got, client.received()),
    );
});

Then(
  '{int} client(s) receive(s) a response with status {status}',
  async function (this: ConformanceWorld, n: number, status: StatusMatcher) {
    // Staggered and queued clients may be answered after others' delays: a longer bound than one exchange.
    const firsts = await Promise.all(this.clients.map(async (c) => (await this.responsesOf(c, 1, 2 * WAIT_MS))[0]));
    const matching = firsts.filter((r) => r?.complete && status.test(r.status)).length;
    if (matching !== n)
      throw new Error(
        `expected ${n} of ${this.clients.length} clients to receive status ${status.label}, ${matching} did; observed:\n` +
          this.clients
            .map((c, i) =>
              firsts[i] ? `  ${c.id}: ${firsts[i].status} complete=${firsts[i].complete}` : `  ${c.id}: no response`,
            )
            .join('\n'),
      );
  },
);

Then(
  '{message} has header {string} {op} {string}',
  async function (this: ConformanceWorld, ref: MessageRef, name: string, op: ValueOp, value: string) {
    const view = await messageView(this, ref);
    // `<client address>` is the first client's own address, as the proxy sees it (127.0.0.1 locally, the bridge
    // gateway when the proxy runs in a container).
    const expected = value.replaceAll('<client address>', this.clients[0]?.localAddress ?? '<no client>');
    if (!compare(fieldValue(view.headers, name), op, expected))
      fail(view, `header ${name} ${op === '=' ? '=' : 'containing'} ${JSON.stringify(expected)}`);
  },
);

Then('{message} has header {string}', async function (this: ConformanceWorld, ref: MessageRef, name: string) {
  const view = await messageView(this, ref);
  if (fieldValue(view.headers, name) === undefined) fail(view, `a header ${name}`);
});

Then('{message} has no header {string}', async function (this: ConformanceWorld, ref: MessageRef, name: string) {
  const view = await messageView(this, ref);
  if (fieldValue(view.headers, name) !== undefined) fail(view, `no header ${name}`);
});

Then(
  '{message} has trailer {string} {op} {string}',
  async function (this: ConformanceWorld, ref: MessageRef, name: string, op: ValueOp, value: string) {
    const view = await messageView(this, ref);
    if (!compare(fieldValue(view.trailers, name), op, value))
      fail(view, `trailer ${name} ${op === '=' ? '=' : 'containing'} ${JSON.stringify(value)}`);
  },
);

Then('{message} has body {string}', async function (this: ConformanceWorld, ref: MessageRef, body: string) {
  const view = await messageView(this, ref);
  const expected = unescapeWire(body);
  requireComplete(view, `body "${escapeBytesCut(expected)}"`);
  if (!view.body.equals(expected)) fail(view, `body "${escapeBytesCut(expected)}"`);
});

Then('{message} has body containing {string}', async function (this: ConformanceWorld, ref: MessageRef, text: string) {
  const view = await messageView(this, ref);
  const expected = unescapeWire(text);
  if (!view.body.includes(expected)) fail(view, `a body containing "${escapeBytesCut(expected)}"`);
});

Then('{message} has an empty body', async function (this: ConformanceWorld, ref: MessageRef) {
  const view = await messageView(this, ref);
  requireComplete(view, 'an empty body');
  if (view.body.length !== 0) fail(view, 'an empty body');
});

Then('{message} has a body of {int} bytes', async function (this: ConformanceWorld, ref: MessageRef, n: number) {
  const view = await messageView(this, ref);
  requireComplete(view, `a body of ${n} bytes`);
  if (view.body.length !== n) fail(view, `a body of ${n} bytes`);
});

Then(
  '{message} has {line_part} {string}',
  async function (this: ConformanceWorld, ref: MessageRef, part: 'method' | 'target' | 'version', value: string) {
    const view = await messageView(this, ref);
    const actual = view[part];
    if (actual === undefined) throw new Error(`${ref.label}: a response has no ${part}; this step is for requests`);
    if (actual !== value) fail(view, `${part} ${JSON.stringify(value)}`);
  },
);

Then(
  '{message} is framed by {framings}',
  async function (this: ConformanceWorld, ref: MessageRef, framings: Framing[]) {
    const view = await messageView(this, ref);
    if (!framings.includes(view.framing as Framing)) fail(view, `framing ${framings.join(' or ')}`);
  },
);

Then(
  '{message} is preceded by {interim}',
  async function (this: ConformanceWorld, ref: MessageRef, status: number | null) {
    if (ref.kind !== 'response') throw new Error(`${ref.label}: interim responses exist only for responses`);
    const view = await messageView(this, ref);
    const interim = view.informational ?? [];
    if (status === null ? interim.length > 0 : !interim.some((i) => i.status === status))
      fail(view, status === null ? 'no interim response' : `an interim ${status} response`);
  },
);

Then('{message} is incomplete and the connection is closed', async function (this: ConformanceWorld, ref: MessageRef) {
  if (ref.kind !== 'response') throw new Error(`${ref.label}: this step is about a response the client received`);
  const client = this.client(ref.client);
  const closed = await client.waitForClose(WAIT_MS);
  // No response at all is incomplete too: the client was not handed a truncated message as whole.
  const list = await this.responsesOf(client, ref.index + 1);
  const r = list[ref.index];
  const observed = describeResponses(client.id, list, client.received());
  if (r?.complete)
    throw new Error(
      `${ref.label}: expected an incomplete response (the client must be able to tell it was cut short), ` +
        `but it is complete\nobserved:\n${observed}`,
    );
  if (closed === 'open')
    throw new Error(
      `${ref.label}: expected the connection to close within ${WAIT_MS} ms; it stayed open\nobserved:\n${observed}`,
    );
});
