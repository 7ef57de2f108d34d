/** The connection manager's header transformations: what is removed, added and kept, in which order and case. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getAllHeaders, getHeader, type HeaderList, headerTokens, removeHeader } from '../../../reference/codec/codec';
import {
  appendToHeader,
  httpDate,
  mutateRequestHeaders,
  mutateResponseHeaders,
  removeHopByHop,
  setHeader,
} from '../../../reference/http/header_utility';

const NO_MUTATION = { remoteIp: '', appendXff: false, generateRequestId: false };

describe('header lookups', () => {
  const h: HeaderList = [
    ['Host', 'a'],
    ['Connection', 'Keep-Alive, , Upgrade'],
    ['X-Long-Name', '1'],
    ['connection', 'close'],
  ];

  it('match names case-insensitively, only whole names', () => {
    assert.equal(getHeader(h, 'HOST'), 'a');
    assert.equal(getHeader(h, 'hos'), undefined);
    assert.deepEqual(getAllHeaders(h, 'connection'), ['Keep-Alive, , Upgrade', 'close']);
    assert.deepEqual(
      removeHeader(h, 'CONNECTION').map(([n]) => n),
      ['Host', 'X-Long-Name'],
    );
  });

  it('headerTokens lower-cases and trims the members of every line, skipping empty ones', () => {
    assert.deepEqual(headerTokens(h, 'Connection'), ['keep-alive', 'upgrade', 'close']);
    assert.deepEqual(headerTokens(h, 'te'), []);
  });
});

describe('removeHopByHop', () => {
  it('drops the fixed hop-by-hop fields and those Connection names, keeps the rest in order and case', () => {
    const h: HeaderList = [
      ['Host', 'h'],
      ['Connection', 'X-Hop, host'],
      ['X-Hop', '1'],
      ['TE', 'trailers'],
      ['Keep-Alive', 'timeout=5'],
      ['Proxy-Connection', 'keep-alive'],
      ['Upgrade', 'websocket'],
      ['Transfer-Encoding', 'chunked'],
      ['X-App', 'A'],
    ];
    assert.deepEqual(removeHopByHop(h, 'request'), [
      ['Host', 'h'],
      ['X-App', 'A'],
    ]);
    assert.deepEqual(
      removeHopByHop(h, 'response').map(([n]) => n),
      ['Host', 'TE', 'X-App'],
      'TE is hop-by-hop on requests only; Host is never nominated',
    );
  });

  it('returns a new list', () => {
    const h: HeaderList = [['a', '1']];
    const out = removeHopByHop(h, 'request');
    assert.notEqual(out, h);
    out.push(['b', '2']);
    assert.equal(h.length, 1);
  });
});

describe('mutateRequestHeaders', () => {
  it('appends the peer to the last x-forwarded-for line and adds x-forwarded-proto and x-request-id', () => {
    const h: HeaderList = [
      ['Host', 'h'],
      ['X-Forwarded-For', '1.1.1.1'],
      ['X-Forwarded-For', '2.2.2.2'],
      ['Connection', 'close'],
    ];
    const out = mutateRequestHeaders(h, { remoteIp: '127.0.0.1', appendXff: true, generateRequestId: true });
    assert.deepEqual(out.slice(0, 3), [
      ['Host', 'h'],
      ['X-Forwarded-For', '1.1.1.1'],
      ['X-Forwarded-For', '2.2.2.2, 127.0.0.1'],
    ]);
    assert.deepEqual(out[3], ['x-forwarded-proto', 'http']);
    assert.equal(out[4][0], 'x-request-id');
    assert.match(out[4][1], /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(out.length, 5);
    assert.equal(h[2][1], '2.2.2.2', 'the input list is not changed');
  });

  it('adds x-forwarded-for when absent, keeps the client x-forwarded-proto and x-request-id', () => {
    const h: HeaderList = [
      ['X-Request-Id', 'abc'],
      ['X-Forwarded-Proto', 'https'],
    ];
    const out = mutateRequestHeaders(h, { remoteIp: '10.0.0.1', appendXff: true, generateRequestId: true });
    assert.deepEqual(out, [
      ['X-Request-Id', 'abc'],
      ['X-Forwarded-Proto', 'https'],
      ['x-forwarded-for', '10.0.0.1'],
    ]);
  });

  it('leaves x-forwarded-for and x-request-id alone when configured off', () => {
    assert.deepEqual(mutateRequestHeaders([['a', '1']], NO_MUTATION), [
      ['a', '1'],
      ['x-forwarded-proto', 'http'],
    ]);
  });

  it('appends Via to the last Via line, or adds one at the end', () => {
    const withVia = mutateRequestHeaders([['Via', '1.0 old']], { ...NO_MUTATION, via: 'edge' });
    assert.deepEqual(withVia, [
      ['Via', '1.0 old, 1.1 edge'],
      ['x-forwarded-proto', 'http'],
    ]);
    const without = mutateRequestHeaders([], { ...NO_MUTATION, via: 'edge' });
    assert.deepEqual(without, [
      ['x-forwarded-proto', 'http'],
      ['via', '1.1 edge'],
    ]);
  });

  it('a field nominated by Connection is removed before the forwarding fields are added', () => {
    const h: HeaderList = [
      ['Connection', 'X-Forwarded-For, x-forwarded-proto'],
      ['X-Forwarded-For', 'spoofed'],
      ['X-Forwarded-Proto', 'https'],
    ];
    assert.deepEqual(mutateRequestHeaders(h, { remoteIp: '127.0.0.1', appendXff: true, generateRequestId: false }), [
      ['x-forwarded-for', '127.0.0.1'],
      ['x-forwarded-proto', 'http'],
    ]);
  });
});

describe('mutateResponseHeaders', () => {
  it('keeps the upstream Date, overwrites the first Server in place and drops the others, appends Via', () => {
    const h: HeaderList = [
      ['Server', 'up/1'],
      ['Date', 'Mon, 01 Jan 2024 00:00:00 GMT'],
      ['Via', '1.1 a'],
      ['server', 'again'],
      ['Keep-Alive', 'timeout=5'],
      ['X-App', 'a'],
    ];
    assert.deepEqual(mutateResponseHeaders(h, { serverName: 'envoy', via: 'edge' }), [
      ['Server', 'envoy'],
      ['Date', 'Mon, 01 Jan 2024 00:00:00 GMT'],
      ['Via', '1.1 a, 1.1 edge'],
      ['X-App', 'a'],
    ]);
  });

  it('adds Date, then Server, then Via at the end when absent', () => {
    const out = mutateResponseHeaders([['Content-Length', '2']], { serverName: 'envoy', via: 'edge' });
    assert.deepEqual(out, [
      ['Content-Length', '2'],
      ['date', httpDate()],
      ['server', 'envoy'],
      ['via', '1.1 edge'],
    ]);
    assert.match(httpDate(), /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
  });
});

describe('setHeader and appendToHeader', () => {
  it('setHeader replaces the first line in place and removes the others, or appends', () => {
    const h: HeaderList = [
      ['Host', 'a'],
      ['X', '1'],
      ['host', 'b'],
    ];
    assert.deepEqual(setHeader(h, 'HOST', 'c'), [
      ['Host', 'c'],
      ['X', '1'],
    ]);
    assert.deepEqual(setHeader([], 'Host', 'c'), [['host', 'c']]);
  });

  it('appendToHeader extends the last line, or adds one; an empty line takes the value alone', () => {
    assert.deepEqual(
      appendToHeader(
        [
          ['A', 'x'],
          ['a', ''],
        ],
        'a',
        'y',
      ),
      [
        ['A', 'x'],
        ['a', 'y'],
      ],
    );
    assert.deepEqual(appendToHeader([['B', '1']], 'A', 'y'), [
      ['B', '1'],
      ['a', 'y'],
    ]);
  });
});
