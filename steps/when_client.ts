/**
 * When steps: the one action of each scenario. Each configures the proxy (lazily, once), opens the client
 * connection(s) and drives them. Every wait is bounded; the only deliberate delays are the ones the scenario is
 * about (segment pauses, staggered clients, the quiet period that defines "the transfer stalled").
 */
import { When } from '@cucumber/cucumber';
import type { Timing } from './parameter_types';
import { generatedBlocks } from './support/generated_body';
import { waitForStall } from './support/stall';
import { parseWireScript } from './support/wire_text';
import { type ConformanceWorld, WAIT_MS } from './world';

/** Long transfers (tens of MiB through a flow-controlled proxy) get more than the default step timeout. */
const TRANSFER_MS = 60_000;

When('the client sends:', async function (this: ConformanceWorld, doc: string) {
  const actions = parseWireScript(doc);
  const client = await this.newClient();
  await this.runScript(client, actions);
});

When(
  '{int} clients each send, {timing}:',
  async function (this: ConformanceWorld, n: number, timing: Timing, doc: string) {
    if (n < 1) throw new Error(`expected at least 1 client, got ${n}`);
    const actions = parseWireScript(doc);
    if (timing.kind === 'sequential') {
      for (let i = 0; i < n; i++) {
        const client = await this.newClient();
        await this.runScript(client, actions);
        // "One after another": the next client starts once this one's exchange is over.
        await this.settle();
      }
      return;
    }
    const clients = [];
    for (let i = 0; i < n; i++) clients.push(await this.newClient());
    await Promise.all(
      clients.map(async (client, i) => {
        if (timing.kind === 'staggered' && i > 0) await this.send(client, { pauseMs: timing.ms * i });
        await this.runScript(client, actions);
      }),
    );
  },
);

When(
  'the client downloads {string} without reading until the transfer stalls',
  { timeout: TRANSFER_MS + 10_000 },
  async function (this: ConformanceWorld, path: string) {
    const client = await this.newClient();
    client.pauseReading();
    const started = this.timeline.now();
    await this.send(client, Buffer.from(`GET ${path} HTTP/1.1\r\nHost: example.com\r\n\r\n`, 'latin1'));
    const upstreamSends = () =>
      this.timeline.events({ kind: 'send', where: (e) => e.actor.startsWith('upstream:') && e.t >= started });
    await waitForStall(this.timeline, {
      isProgress: (e) => e.kind === 'send' && e.actor.startsWith('upstream:'),
      isDone: (e) =>
        (e.kind === 'response_complete' && e.actor.startsWith('upstream:')) ||
        (e.conn === client.id && e.kind === 'closed'),
    });
    const byActor = new Map<string, number>();
    for (const e of upstreamSends()) byActor.set(e.actor, (byActor.get(e.actor) ?? 0) + (e.bytes?.length ?? 0));
    for (const [party, bytes] of byActor) this.stalled.push({ party, bytes });
    client.resumeReading();
    await this.responsesOf(client, 1, TRANSFER_MS);
  },
);

When(
  'the client uploads {int} bytes to {string} while upstream {string} is not reading until the transfer stalls',
  { timeout: TRANSFER_MS + 10_000 },
  async function (this: ConformanceWorld, n: number, path: string, name: string) {
    const upstream = this.requireUpstream(name);
    upstream.pauseReading();
    const client = await this.newClient();
    await this.send(
      client,
      Buffer.from(`POST ${path} HTTP/1.1\r\nHost: example.com\r\nContent-Length: ${n}\r\n\r\n`, 'latin1'),
    );
    let sent = 0;
    let finished = false;
    const sending = (async () => {
      for (const block of generatedBlocks(n)) {
        if (client.closed !== 'open') return;
        await this.send(client, block);
        sent += block.length;
      }
      finished = true;
    })();
    await waitForStall(this.timeline, {
      isProgress: (e) => e.actor === 'client' && e.kind === 'send',
      isDone: (e) => finished || (e.actor === 'client' && e.kind === 'closed'),
    });
    this.stalled.push({ party: 'client', bytes: sent });
    upstream.resumeReading();
    await Promise.race([
      sending,
      this.timeline.waitFor({ actor: 'client', kind: 'closed' }, TRANSFER_MS).catch(() => {}),
    ]);
    await this.responsesOf(client, 1, finished ? TRANSFER_MS : WAIT_MS);
  },
);
