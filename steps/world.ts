/**
 * The per-scenario world: one shared timeline, the scenario's instrumented upstreams and downstream clients, the
 * topology the Given steps build, and the proxy adapter (one per worker, started in BeforeAll). The proxy is
 * configured lazily: only the When step calls ensureProxy(), so every Given has been applied by then.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import { type IWorldOptions, setWorldConstructor, World } from '@cucumber/cucumber';
import type { ProxyAdapter, ProxyEndpoint } from '../harness/adapters/adapter';
import type { Topology, TopologyCluster } from '../harness/adapters/topology';
import type { InstrumentedUpstreamApi } from '../harness/api';
import { DownstreamClient } from '../harness/client/downstream_client';
import type { ParsedResponse } from '../harness/client/types';
import { environment } from '../harness/environment';
import { checkInvariants, type InvariantResult } from '../harness/invariants/index';
import { Timeline } from '../harness/timeline/timeline';
import { LenientRequestParser } from '../harness/upstream/request_parser';
import { requiredCapabilities } from './support/capabilities';
import { describeResponses } from './support/describe';
import type { ScriptAction } from './support/wire_text';

/** Every wait in a step is bounded by this unless the step says otherwise. */
export const WAIT_MS = 3000;

let sharedAdapter: ProxyAdapter | undefined;

export function setAdapter(adapter: ProxyAdapter | undefined): void {
  sharedAdapter = adapter;
}

export function getAdapter(): ProxyAdapter {
  if (!sharedAdapter) throw new Error('no proxy adapter: BeforeAll did not create one (see steps/hooks.ts)');
  return sharedAdapter;
}

/** Which response a step is about: the n-th response (from 0) seen by the n-th client (from 0). */
export interface ResponseRef {
  kind: 'response';
  client: number;
  index: number;
  label: string;
}

/** Which request a step is about: the n-th request (from 0) an upstream received. */
export interface RequestRef {
  kind: 'request';
  upstream: string;
  index: number;
  label: string;
}

export type MessageRef = ResponseRef | RequestRef;

/** What a flow-control When measured at the moment the transfer stalled. */
export interface StallMeasure {
  /** 'client' or 'upstream:<name>'. */
  party: string;
  bytes: number;
}

export class ConformanceWorld extends World {
  readonly timeline = new Timeline();
  readonly upstreams = new Map<string, InstrumentedUpstreamApi>();
  readonly topology: Topology = { routes: [], clusters: [], timeouts: {}, limits: {} };
  readonly clients: DownstreamClient[] = [];
  /** Latest parse of each client's responses, by client id (what the invariant checker reads). */
  readonly responses = new Map<string, ParsedResponse[]>();
  /** Requests each client sent (counted from its own bytes), by client id. */
  private readonly sentRequests = new Map<string, number>();
  private readonly sentParsers = new Map<string, LenientRequestParser>();
  endpoint?: ProxyEndpoint;
  tags: string[] = [];
  stalled: StallMeasure[] = [];
  private readonly proxyEventsMerged = new Set<string>();

  constructor(options: IWorldOptions) {
    super(options);
  }

  get adapter(): ProxyAdapter {
    return getAdapter();
  }

  hasTag(tag: string): boolean {
    return this.tags.includes(tag);
  }

  // ---- Given: upstreams and topology -------------------------------------------------------------------------

  async upstream(name: string): Promise<InstrumentedUpstreamApi> {
    const existing = this.upstreams.get(name);
    if (existing) return existing;
    const u = await environment().startUpstream(name, this.timeline);
    this.upstreams.set(name, u);
    return u;
  }

  requireUpstream(name: string): InstrumentedUpstreamApi {
    const u = this.upstreams.get(name);
    if (!u) {
      const known = [...this.upstreams.keys()].join(', ') || 'none';
      throw new Error(
        `no upstream named "${name}" in this scenario (known: ${known}); add: Given an upstream "${name}"`,
      );
    }
    return u;
  }

  cluster(name: string): TopologyCluster {
    const c = this.topology.clusters.find((x) => x.name === name);
    if (!c) {
      const known = this.topology.clusters.map((x) => x.name).join(', ') || 'none';
      throw new Error(`no cluster named "${name}" (known: ${known})`);
    }
    return c;
  }

  addCluster(cluster: TopologyCluster): void {
    if (this.topology.clusters.some((c) => c.name === cluster.name))
      throw new Error(`cluster "${cluster.name}" is defined twice in this scenario`);
    this.topology.clusters.push(cluster);
  }

  /**
   * A port on loopback that refuses connections. It is taken BELOW the kernel's ephemeral range: a freed ephemeral
   * port can be handed to the proxy as the source port of its own connect to it, and Linux then completes a TCP
   * self-connect (the proxy reads its own request as the response: a 502 instead of a refusal).
   */
  async refusingEndpoint(): Promise<{ host: string; port: number }> {
    const low = ephemeralRangeLow();
    for (let attempt = 0; attempt < 50; attempt++) {
      const port = 10_000 + Math.floor(Math.random() * Math.max(1, low - 10_000));
      const server = net.createServer();
      const bound = await new Promise<boolean>((resolve) => {
        server.once('error', () => resolve(false));
        server.listen({ host: '127.0.0.1', port }, () => resolve(true));
      });
      if (!bound) continue; // in use: try another
      await new Promise<void>((resolve) => server.close(() => resolve()));
      return { host: '127.0.0.1', port };
    }
    throw new Error(`no free port below the ephemeral range (${low}) after 50 attempts`);
  }

  // ---- When: the proxy and the clients ----------------------------------------------------------------------

  /** Applies the topology (once per scenario) and returns where the proxy listens. */
  async ensureProxy(): Promise<ProxyEndpoint> {
    if (this.endpoint) return this.endpoint;
    this.checkCapabilityTags();
    for (const r of this.topology.routes) this.cluster(r.cluster);
    this.endpoint = await this.adapter.configure(this.orderedTopology());
    return this.endpoint;
  }

  async newClient(): Promise<DownstreamClient> {
    const ep = await this.ensureProxy();
    const client = await DownstreamClient.connect(ep.host, ep.port, this.timeline, `c${this.clients.length + 1}`);
    this.clients.push(client);
    return client;
  }

  client(index = 0): DownstreamClient {
    const c = this.clients[index];
    if (!c)
      throw new Error(`client ${index + 1} does not exist: this scenario opened ${this.clients.length} client(s)`);
    return c;
  }

  /** Sends bytes and notes how many requests they held (so settle() knows how many responses to expect). */
  async send(client: DownstreamClient, bytes: Buffer | { pauseMs: number }): Promise<void> {
    if (Buffer.isBuffer(bytes)) {
      let parser = this.sentParsers.get(client.id);
      if (!parser) {
        parser = new LenientRequestParser(`${client.id}-sent`, {
          onHeaders: () => this.sentRequests.set(client.id, (this.sentRequests.get(client.id) ?? 0) + 1),
        });
        this.sentParsers.set(client.id, parser);
      }
      parser.feed(bytes, this.timeline.now());
    }
    await client.send(bytes);
  }

  /** Runs a doc-string script on one client; awaits are bounded and fail with what was observed. */
  async runScript(client: DownstreamClient, actions: ScriptAction[]): Promise<void> {
    let awaited = 0;
    const started = this.timeline.now();
    for (const a of actions) {
      switch (a.kind) {
        case 'bytes':
          await this.send(client, a.bytes);
          break;
        case 'pause':
          await this.send(client, { pauseMs: a.ms });
          break;
        case 'await-response': {
          awaited++;
          const got = await this.responsesOf(client, awaited);
          if (got.filter((r) => r.complete).length < awaited)
            throw new Error(
              `<await response>: response ${awaited} was not complete within ${WAIT_MS} ms\n` +
                describeResponses(client.id, got, client.received()),
            );
          break;
        }
        case 'await-text':
          await this.timeline
            .waitFor(
              {
                actor: 'client',
                conn: client.id,
                kind: ['recv', 'closed'],
                where: () => client.received().includes(a.text),
              },
              WAIT_MS,
            )
            .catch(() => {
              throw new Error(
                `<await "${a.text.toString('latin1')}">: not received within ${WAIT_MS} ms\n` +
                  describeResponses(client.id, this.responses.get(client.id) ?? [], client.received()),
              );
            });
          break;
        case 'await-upstream-request': {
          this.requireUpstream(a.upstream);
          await this.timeline
            .waitFor(
              { actor: `upstream:${a.upstream}`, kind: 'request_headers', where: (e) => e.t >= started },
              WAIT_MS,
            )
            .catch(() => {
              throw new Error(
                `<await upstream "${a.upstream}" request>: no request head reached it within ${WAIT_MS} ms`,
              );
            });
          break;
        }
        case 'reset':
          client.reset();
          break;
        case 'half-close':
          client.halfClose();
          break;
        case 'close':
          client.close();
          break;
      }
    }
  }

  // ---- Then: what was observed -----------------------------------------------------------------------------

  /** The client's responses once `count` are complete or the connection ended (bounded); never throws. */
  async responsesOf(client: DownstreamClient, count: number, timeoutMs = WAIT_MS): Promise<ParsedResponse[]> {
    const cached = this.responses.get(client.id);
    if (cached && cached.filter((r) => r.complete).length >= count) return cached;
    const list = await client.responses(count, { timeoutMs });
    this.responses.set(client.id, list);
    return list;
  }

  async response(ref: ResponseRef): Promise<ParsedResponse> {
    const client = this.client(ref.client);
    const list = await this.responsesOf(client, ref.index + 1);
    const r = list[ref.index];
    if (!r)
      throw new Error(
        `${ref.label}: the client received no response ${ref.index + 1} within ${WAIT_MS} ms\n` +
          describeResponses(client.id, list, client.received()),
      );
    return r;
  }

  /**
   * Lets the exchange finish before a step judges what did NOT happen: every client has as many complete
   * responses as requests it sent, or its connection ended (bounded; never throws).
   */
  async settle(timeoutMs = WAIT_MS): Promise<void> {
    await Promise.all(
      this.clients.map(async (c) => {
        const expected = this.sentRequests.get(c.id) ?? 0;
        if (expected > 0) await this.responsesOf(c, expected, timeoutMs);
      }),
    );
    // What the upstreams recorded before the responses came back, also from an agent in a container.
    await environment().sync();
  }

  /**
   * Merges the proxy's trace events not merged yet (idempotent). Events are recognised by their content, not by
   * position, so this holds whether the adapter returns every event since configure() (the contract) or only
   * those since its previous call (a trace buffer cleared on read).
   */
  async collectProxyTrace(): Promise<void> {
    const adapter = sharedAdapter;
    if (!adapter?.trace || !this.endpoint) return;
    const fresh = (await adapter.trace()).filter((e) => {
      const key = `${e.t}|${e.kind}|${e.conn ?? ''}|${JSON.stringify(e.detail ?? {})}`;
      if (this.proxyEventsMerged.has(key)) return false;
      this.proxyEventsMerged.add(key);
      return true;
    });
    this.timeline.merge(fresh);
  }

  /** Re-parses what every client has received so far (no waiting), for the invariant checker and reports. */
  async snapshotResponses(): Promise<void> {
    for (const c of this.clients)
      this.responses.set(c.id, await c.responses(Number.MAX_SAFE_INTEGER, { timeoutMs: 0 }));
  }

  /** Runs the always-on invariant checker over everything this scenario left behind. */
  async invariantResults(): Promise<InvariantResult[]> {
    await this.collectProxyTrace();
    await this.snapshotResponses();
    return checkInvariants({
      timeline: this.timeline,
      upstreams: [...this.upstreams.values()],
      clients: this.clients,
      responses: this.responses,
    });
  }

  async closeAll(): Promise<void> {
    for (const c of this.clients) c.close();
    await Promise.all([...this.upstreams.values()].map((u) => u.close()));
  }

  // ---- helpers ----------------------------------------------------------------------------------------------

  /**
   * Routes in match order, most specific first (header-constrained, then exact paths, then longer prefixes):
   * scenarios add routes to a Background's catch-all, and first-match proxies must still see the specific ones.
   */
  private orderedTopology(): Topology {
    const rank = (r: Topology['routes'][number]) =>
      (r.header ? 0 : 1) * 1e6 + (r.path !== undefined ? 0 : 1) * 1e5 - (r.prefix ?? r.path ?? '').length;
    const routes = this.topology.routes.map((r, i) => ({ r, i }));
    routes.sort((a, b) => rank(a.r) - rank(b.r) || a.i - b.i);
    return { ...this.topology, routes: routes.map((x) => x.r) };
  }

  /** A scenario that configures something must say so with @needs-<capability>, so skips are honest. */
  private checkCapabilityTags(): void {
    const missing = requiredCapabilities(this.topology).filter((c) => !this.hasTag(`@needs-${c}`));
    if (missing.length > 0)
      throw new Error(
        `this scenario configures ${missing.join(', ')} but lacks the tag(s) ${missing.map((c) => `@needs-${c}`).join(' ')}`,
      );
  }
}

setWorldConstructor(ConformanceWorld);

/** Lower bound of the kernel's ephemeral port range (Linux); 32768 where it cannot be read. */
function ephemeralRangeLow(): number {
  try {
    const low = Number.parseInt(
      fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0],
      10,
    );
    return Number.isFinite(low) && low > 10_100 ? low : 32768;
  } catch {
    return 32768;
  }
}
