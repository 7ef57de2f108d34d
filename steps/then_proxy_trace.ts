/**
 * Then steps that read the fields of the proxy's own trace (only proxies that offer one; scenarios say so with
 * @needs-proxy-trace): which stream and connection an event names, how many bytes its events carried. Order
 * questions are `<happening> before <happening>` in then_order.ts.
 */
import { Then } from '@cucumber/cucumber';
import type { TimelineEvent } from '../harness/timeline/event';
import type { ConformanceWorld } from './world';

async function proxyEvents(world: ConformanceWorld, step: string): Promise<TimelineEvent[]> {
  if (!world.hasTag('@needs-proxy-trace'))
    throw new Error(`"${step}" reads the proxy's own trace: tag the scenario @needs-proxy-trace`);
  await world.settle();
  await world.collectProxyTrace();
  return world.timeline.events({ actor: 'proxy' });
}

function describeEvent(e: TimelineEvent | undefined): string {
  if (!e) return 'never emitted';
  const fields = Object.entries(e.detail ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return `${e.kind} ${fields || '(no fields)'}`;
}

function seenKinds(events: readonly TimelineEvent[]): string {
  return [...new Set(events.map((e) => e.kind))].join(', ') || 'none';
}

Then(
  "the proxy's {string} has the same {string} as its {string}",
  async function (this: ConformanceWorld, kind: string, field: string, otherKind: string) {
    const step = `the proxy's "${kind}" has the same "${field}" as its "${otherKind}"`;
    const events = await proxyEvents(this, step);
    const a = events.find((e) => e.kind === kind);
    const b = events.find((e) => e.kind === otherKind);
    const va = a?.detail?.[field];
    const vb = b?.detail?.[field];
    if (a && b && va !== undefined && va === vb) return;
    throw new Error(
      `expected the first "${kind}" and the first "${otherKind}" of the proxy's trace to carry the same "${field}"\n` +
        `  ${kind}: ${describeEvent(a)}\n  ${otherKind}: ${describeEvent(b)}\n` +
        `proxy trace events seen: ${seenKinds(events)}`,
    );
  },
);

Then(
  "the proxy's {string} events add up to the bytes {party} received",
  async function (this: ConformanceWorld, kind: string, party: string) {
    const step = `the proxy's "${kind}" events add up to the bytes ${party} received`;
    const events = await proxyEvents(this, step);
    const written = events.filter((e) => e.kind === kind);
    const missing = written.filter((e) => typeof e.detail?.bytes !== 'number');
    if (missing.length > 0)
      throw new Error(
        `${step}: ${missing.length} "${kind}" event(s) carry no byte count: ${describeEvent(missing[0])}`,
      );
    const sum = written.reduce((n, e) => n + Number(e.detail?.bytes), 0);
    const received = this.timeline
      .events({ actor: party, kind: 'recv' })
      .reduce((n, e) => n + (e.bytes?.length ?? 0), 0);
    if (written.length > 0 && sum === received) return;
    throw new Error(
      `expected the proxy's "${kind}" events to add up to the ${received} bytes ${party} received; ` +
        `${written.length} event(s) carried ${sum} bytes\nproxy trace events seen: ${seenKinds(events)}`,
    );
  },
);
