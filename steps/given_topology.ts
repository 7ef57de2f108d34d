/** Given steps: upstreams, clusters, routes, timeouts and limits (they only build the topology). */
import { Given } from '@cucumber/cucumber';
import type { LimitName, TimeoutName } from './parameter_types';
import type { ConformanceWorld } from './world';

Given('an upstream {string}', async function (this: ConformanceWorld, name: string) {
  const u = await this.upstream(name);
  this.addCluster({ name, endpoints: [{ host: u.host, port: u.port }] });
});

Given(
  'a cluster {string} with upstreams {string}',
  async function (this: ConformanceWorld, name: string, list: string) {
    const names = list
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (names.length === 0) throw new Error(`cluster "${name}": expected a comma-separated list of upstream names`);
    const endpoints = [];
    for (const n of names) {
      const u = await this.upstream(n);
      endpoints.push({ host: u.host, port: u.port });
    }
    this.addCluster({ name, endpoints });
  },
);

Given('a cluster {string} whose endpoint refuses connections', async function (this: ConformanceWorld, name: string) {
  this.addCluster({ name, endpoints: [await this.refusingEndpoint()] });
});

Given(
  'the proxy routes {route_kind} {string} to {string}',
  function (this: ConformanceWorld, kind: 'prefix' | 'path', value: string, cluster: string) {
    if (!value.startsWith('/'))
      throw new Error(`route ${kind} ${JSON.stringify(value)}: expected a path starting with /`);
    this.topology.routes.push(kind === 'prefix' ? { prefix: value, cluster } : { path: value, cluster });
  },
);

Given(
  'the proxy routes requests with header {string} = {string} to {string}',
  function (this: ConformanceWorld, name: string, value: string, cluster: string) {
    this.topology.routes.push({ prefix: '/', header: { name, value }, cluster });
  },
);

Given("the proxy's {timeout} timeout is {int} ms", function (this: ConformanceWorld, which: TimeoutName, ms: number) {
  const t = this.topology.timeouts;
  if (which === 'connect') t.connectMs = ms;
  else if (which === 'response') t.responseMs = ms;
  else if (which === 'request headers') t.requestHeadersMs = ms;
  else if (which === 'downstream idle') t.downstreamIdleMs = ms;
  else t.upstreamIdleMs = ms;
});

Given(
  "the proxy's {limit} limit is {int} bytes/headers",
  function (this: ConformanceWorld, which: LimitName, n: number) {
    const l = this.topology.limits;
    if (which === 'request header size') l.maxRequestHeadersBytes = n;
    else if (which === 'header count') l.maxHeadersCount = n;
    else l.bufferLimitBytes = n;
  },
);

Given(
  'cluster {string} allows at most {int} connection(s) and {int} pending request(s)',
  function (this: ConformanceWorld, name: string, connections: number, pending: number) {
    const c = this.cluster(name);
    c.maxConnections = connections;
    c.maxPendingRequests = pending;
  },
);

Given('the proxy forwards trailers', function (this: ConformanceWorld) {
  this.topology.forwardTrailers = true;
});
