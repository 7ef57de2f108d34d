import type { Topology } from '../../../harness/adapters/topology';

/** A topology that exercises every renderer feature: ordered routes, header routes, timeouts, limits, via. */
export function sampleTopology(): Topology {
  return {
    routes: [
      { path: '/exact', cluster: 'a', responseTimeoutMs: 250 },
      { prefix: '/h', header: { name: 'x-route', value: 'b' }, cluster: 'b' },
      { prefix: '/p', header: { name: 'x-any' }, cluster: 'b' },
      { prefix: '/', cluster: 'a' },
    ],
    clusters: [
      {
        name: 'a',
        endpoints: [
          { host: '127.0.0.1', port: 9001 },
          { host: '127.0.0.1', port: 9003 },
        ],
      },
      { name: 'b', endpoints: [{ host: '127.0.0.1', port: 9002 }], keepAlive: false },
    ],
    timeouts: { connectMs: 100, responseMs: 1500, requestHeadersMs: 300, downstreamIdleMs: 400, upstreamIdleMs: 2500 },
    limits: { maxRequestHeadersBytes: 4096, maxHeadersCount: 20, bufferLimitBytes: 65536 },
    via: '1.1 h1pc',
  };
}

/** The smallest topology: everything to one cluster, every setting left to the proxy. */
export function minimalTopology(port = 9001): Topology {
  return {
    routes: [{ prefix: '/', cluster: 'app' }],
    clusters: [{ name: 'app', endpoints: [{ host: '127.0.0.1', port }] }],
    timeouts: {},
    limits: {},
  };
}
