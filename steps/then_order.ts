/**
 * Then steps about order and back-pressure, judged on the shared timeline (client, upstreams and, where the proxy
 * offers a trace, the proxy itself all stamp events with one monotonic clock).
 */
import { Then } from '@cucumber/cucumber';
import type { TimelineEvent } from '../harness/timeline/event';
import { relMs } from '../harness/timeline/timeline';
import type { Happening } from './parameter_types';
import { unescapeWire } from './support/wire_text';
import { type ConformanceWorld, WAIT_MS } from './world';

/** A stateful predicate: true at the first send/recv event by which a connection's bytes contain `marker`. */
function bytesReached(marker: Buffer): (e: TimelineEvent) => boolean {
  const tails = new Map<string, Buffer>();
  return (e) => {
    if (!e.bytes) return false;
    const key = e.conn ?? '-';
    const joined = Buffer.concat([tails.get(key) ?? Buffer.alloc(0), e.bytes]);
    if (joined.includes(marker)) return true;
    tails.set(key, joined.subarray(Math.max(0, joined.length - marker.length + 1)));
    return false;
  };
}

async function locate(world: ConformanceWorld, h: Happening): Promise<TimelineEvent | undefined> {
  if (h.actor === 'proxy') {
    if (!world.hasTag('@needs-proxy-trace'))
      throw new Error(`"${h.label}" is about the proxy's own trace: tag the scenario @needs-proxy-trace`);
    await world.collectProxyTrace();
    return world.timeline.events({ actor: 'proxy', kind: h.kind })[(h.nth ?? 1) - 1];
  }
  const where = h.marker === undefined ? undefined : bytesReached(unescapeWire(h.marker));
  return world.timeline.waitFor({ actor: h.actor, kind: h.kind, where }, WAIT_MS).catch(() => undefined);
}

Then('{happening} before {happening}', async function (this: ConformanceWorld, a: Happening, b: Happening) {
  await this.settle();
  const ea = await locate(this, a);
  const eb = await locate(this, b);
  const t0 = this.timeline.events()[0]?.t ?? 0n;
  const at = (e: TimelineEvent | undefined) => (e ? `at ${relMs(e.t, t0)}` : 'never');
  if (ea && eb && ea.t < eb.t) return;
  const proxyKinds = [...new Set(this.timeline.events({ actor: 'proxy' }).map((e) => e.kind))];
  throw new Error(
    `expected "${a.label}" (${at(ea)}) before "${b.label}" (${at(eb)})\n` +
      (a.actor === 'proxy' || b.actor === 'proxy'
        ? `proxy trace events seen: ${proxyKinds.join(', ') || 'none'}\n`
        : '') +
      `timeline:\n${this.timeline.format({ maxBytes: 80 })}`,
  );
});

Then(
  '{party} sent at most {int} bytes while the transfer was stalled',
  function (this: ConformanceWorld, party: string, max: number) {
    const m = this.stalled.find((s) => s.party === party);
    if (!m) {
      const known = this.stalled.map((s) => `${s.party}=${s.bytes}B`).join(', ') || 'nothing';
      throw new Error(
        `no stalled transfer was measured for ${party} (measured: ${known}); use a "... until the transfer stalls" When`,
      );
    }
    this.log(`${party} sent ${m.bytes} bytes before the transfer stalled (bound ${max})`);
    if (m.bytes > max)
      throw new Error(
        `expected ${party} to be held back by the proxy after at most ${max} bytes; it sent ${m.bytes} bytes before ` +
          'the transfer stalled (the proxy kept reading: its buffering is not bounded by flow control)',
      );
  },
);
