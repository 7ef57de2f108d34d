import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HeaderList, RequestHead, ResponseHead } from '../../../reference/codec/codec';
import type {
  FilterStatus,
  StreamDecoderFilterCallbacks,
  StreamEncoderFilterCallbacks,
  StreamFilter,
} from '../../../reference/http/filter';
import { FilterManager } from '../../../reference/http/filter_chain';
import { Host } from '../../../reference/upstream/host';
import {
  LeastRequestLoadBalancer,
  RandomLoadBalancer,
  RoundRobinLoadBalancer,
} from '../../../reference/upstream/load_balancer';

test('round robin cycles through the hosts in order', () => {
  const hosts = [new Host('127.0.0.1', 1), new Host('127.0.0.1', 2), new Host('127.0.0.1', 3)];
  const lb = new RoundRobinLoadBalancer(hosts);
  assert.deepEqual(
    Array.from({ length: 6 }, () => lb.chooseHost()?.port),
    [1, 2, 3, 1, 2, 3],
  );
  assert.equal(new RoundRobinLoadBalancer([]).chooseHost(), undefined);
});

test('random picks with the given random source', () => {
  const hosts = [new Host('127.0.0.1', 1), new Host('127.0.0.1', 2)];
  const seq = [0.1, 0.9, 0.6];
  const lb = new RandomLoadBalancer(hosts, () => seq.shift() ?? 0);
  assert.deepEqual([lb.chooseHost()?.port, lb.chooseHost()?.port, lb.chooseHost()?.port], [1, 2, 2]);
});

test('least request (power of two choices) prefers the host with fewer active requests', () => {
  const a = new Host('127.0.0.1', 1);
  const b = new Host('127.0.0.1', 2);
  a.rq_active = 5;
  b.rq_active = 1;
  const seq = [0.1, 0.9, 0.9, 0.1];
  const lb = new LeastRequestLoadBalancer([a, b], () => seq.shift() ?? 0);
  assert.equal(lb.chooseHost(), b);
  assert.equal(lb.chooseHost(), b);
});

test('filter chain: decode path in configuration order, encode path in reverse, stop_iteration ends a walk', () => {
  const calls: string[] = [];
  const head: RequestHead = { method: 'GET', target: '/', versionMinor: 1, headers: [] };
  const resp: ResponseHead = { statusCode: 200, reason: 'OK', versionMinor: 1, headers: [] };
  const filter = (name: string, stopDecodeData = false): StreamFilter => ({
    setDecoderFilterCallbacks() {},
    setEncoderFilterCallbacks() {},
    decodeHeaders: (): FilterStatus => {
      calls.push(`${name}.decodeHeaders`);
      return 'continue';
    },
    decodeData: (): FilterStatus => {
      calls.push(`${name}.decodeData`);
      return stopDecodeData ? 'stop_iteration' : 'continue';
    },
    decodeTrailers: (): FilterStatus => {
      calls.push(`${name}.decodeTrailers`);
      return 'continue';
    },
    encode1xxHeaders: (): FilterStatus => 'continue',
    encodeHeaders: (): FilterStatus => {
      calls.push(`${name}.encodeHeaders`);
      return 'continue';
    },
    encodeData: (): FilterStatus => {
      calls.push(`${name}.encodeData`);
      return 'continue';
    },
    encodeTrailers: (): FilterStatus => 'continue',
    onDestroy: () => calls.push(`${name}.onDestroy`),
  });
  const terminal = {
    encode1xxHeaders() {},
    encodeHeaders: () => calls.push('codec.encodeHeaders'),
    encodeData: () => calls.push('codec.encodeData'),
    encodeTrailers: (_t: HeaderList) => {},
  };
  const fm = new FilterManager(
    [filter('A'), filter('B', true), filter('C')],
    {} as StreamDecoderFilterCallbacks,
    {} as StreamEncoderFilterCallbacks,
    terminal,
  );
  fm.decodeHeaders(head, false);
  fm.decodeData(Buffer.from('x'), true);
  fm.encodeHeaders(resp, false);
  fm.encodeData(Buffer.from('y'), true);
  fm.destroy();
  fm.destroy();
  assert.deepEqual(calls, [
    'A.decodeHeaders',
    'B.decodeHeaders',
    'C.decodeHeaders',
    'A.decodeData',
    'B.decodeData',
    'C.encodeHeaders',
    'B.encodeHeaders',
    'A.encodeHeaders',
    'codec.encodeHeaders',
    'C.encodeData',
    'B.encodeData',
    'A.encodeData',
    'codec.encodeData',
    'A.onDestroy',
    'B.onDestroy',
    'C.onDestroy',
  ]);
});
