/**
 * Then steps about connections and what the upstreams received as a whole. Negative claims ("no request") are
 * judged only after the exchange settled (every client answered or disconnected, bounded).
 */
import { Then } from '@cucumber/cucumber';
import { type CountMatcher, parseCount } from './parameter_types';
import { describeResponses, describeUpstream } from './support/describe';
import { wellFormedProblems } from './support/well_formed';
import { type ConformanceWorld, WAIT_MS } from './world';

/** Grace for "stays open": a close that was coming right after the response would show up within it. */
const STAYS_OPEN_GRACE_MS = 300;

Then('the client connection {conn_state}', async function (this: ConformanceWorld, state: 'closed' | 'open') {
  const client = this.client(0);
  await this.settle();
  const how = await client.waitForClose(state === 'closed' ? WAIT_MS : STAYS_OPEN_GRACE_MS);
  const observed = describeResponses(client.id, this.responses.get(client.id) ?? [], client.received());
  if (state === 'closed' && how === 'open')
    throw new Error(
      `expected the proxy to close the client connection within ${WAIT_MS} ms; it stayed open\n${observed}`,
    );
  if (state === 'open' && how !== 'open')
    throw new Error(`expected the client connection to stay open; it was closed (${how})\n${observed}`);
});

Then(
  /^upstream "([^"]+)" received (no|\d+|at least \d+|at most \d+) requests?(?: for "([^"]*)")?$/,
  async function (this: ConformanceWorld, name: string, countText: string, forTarget: string | null | undefined) {
    // An optional group that did not match arrives as null.
    const target = forTarget ?? undefined;
    const u = this.requireUpstream(name);
    const count: CountMatcher = parseCount(countText);
    await this.settle();
    const counted = () =>
      u.requests.filter((r) => r.tHeaders !== undefined && (target === undefined || r.target === target));
    if (count.waitFor > 0 && counted().length < count.waitFor)
      await this.timeline
        .waitFor(
          { actor: `upstream:${name}`, kind: 'request_headers', where: () => counted().length >= count.waitFor },
          WAIT_MS,
        )
        .catch(() => undefined);
    const n = counted().length;
    if (!count.test(n))
      throw new Error(
        `expected upstream "${name}" to receive ${count.label} request(s)${target === undefined ? '' : ` for ${target}`}, ` +
          `it received ${n}\nobserved:\n${describeUpstream(u)}`,
      );
  },
);

Then('upstream {string} saw {int} connection(s)', async function (this: ConformanceWorld, name: string, n: number) {
  const u = this.requireUpstream(name);
  await this.settle();
  if (u.connections.length < n) await u.waitForConnections(n, WAIT_MS).catch(() => undefined);
  if (u.connections.length !== n)
    throw new Error(
      `expected upstream "${name}" to see ${n} connection(s), it saw ${u.connections.length}\nobserved:\n${describeUpstream(u)}`,
    );
});

Then('upstream {string} has no open connection', async function (this: ConformanceWorld, name: string) {
  const u = this.requireUpstream(name);
  const deadline = Date.now() + WAIT_MS;
  for (const c of u.connections) {
    if (c.tClosed !== undefined) continue;
    const left = deadline - Date.now();
    await u.waitForClose(c.id, Math.max(1, left)).catch(() => undefined);
  }
  const open = u.connections.filter((c) => c.tClosed === undefined);
  if (open.length > 0)
    throw new Error(
      `expected every connection to upstream "${name}" to be closed within ${WAIT_MS} ms; still open: ` +
        `${open.map((c) => c.id).join(', ')}\nobserved:\n${describeUpstream(u)}`,
    );
});

Then('upstream {string} received only well-formed requests', async function (this: ConformanceWorld, name: string) {
  const u = this.requireUpstream(name);
  await this.settle();
  const problems: string[] = [];
  for (const c of u.connections) {
    // Judge each request on its own bytes; a request the lenient parser could not frame shows as raw bytes.
    for (const r of c.requests)
      for (const p of wellFormedProblems(r.raw)) problems.push(`${c.id} request ${r.index + 1}: ${p}`);
  }
  if (problems.length > 0)
    throw new Error(
      `upstream "${name}" received requests that are not well-formed (ambiguous to a recipient):\n  ` +
        `${problems.join('\n  ')}\nobserved:\n${describeUpstream(u)}`,
    );
});
