/**
 * The few parameter types the step vocabulary is built from. Each one is a small closed phrase so that feature
 * files read as sentences and a typo is an undefined step, not a silently different meaning.
 */
import { defineParameterType } from '@cucumber/cucumber';
import type { MessageRef } from './world';

/** `200` or a class such as `5xx`. */
export interface StatusMatcher {
  label: string;
  test(status: number): boolean;
}

defineParameterType({
  name: 'status',
  regexp: /\d{3}|[1-5]xx/,
  transformer: (s: string): StatusMatcher =>
    s.endsWith('xx')
      ? { label: s, test: (n) => Math.floor(n / 100) === Number(s[0]) }
      : { label: s, test: (n) => n === Number(s) },
});

/**
 * Which message: `the response` (client 1's first), `response 2` (client 1's second), `client 2's response`,
 * `the request upstream "app" received` (its first), `request 2 that upstream "app" received`.
 */
defineParameterType({
  name: 'message',
  regexp:
    /the response|response \d+|client \d+'s response|the request upstream "[^"]+" received|request \d+ that upstream "[^"]+" received/,
  transformer: (s: string): MessageRef => {
    if (s === 'the response') return { kind: 'response', client: 0, index: 0, label: s };
    const nth = /^response (\d+)$/.exec(s);
    if (nth) return { kind: 'response', client: 0, index: Number(nth[1]) - 1, label: s };
    const ofClient = /^client (\d+)'s response$/.exec(s);
    if (ofClient) return { kind: 'response', client: Number(ofClient[1]) - 1, index: 0, label: s };
    const first = /^the request upstream "([^"]+)" received$/.exec(s);
    if (first) return { kind: 'request', upstream: first[1], index: 0, label: s };
    const m = /^request (\d+) that upstream "([^"]+)" received$/.exec(s) as RegExpExecArray;
    return { kind: 'request', upstream: m[2], index: Number(m[1]) - 1, label: s };
  },
});

/** How a header or trailer value is compared: exactly, or as a case-insensitive substring. */
export type ValueOp = '=' | 'containing';
defineParameterType({ name: 'op', regexp: /=|containing/, transformer: (s: string) => s as ValueOp });

export type Framing = 'content-length' | 'chunked' | 'close-delimited' | 'none';
defineParameterType({
  name: 'framings',
  regexp: /(?:content-length|chunked|close-delimited|none)(?: or (?:content-length|chunked|close-delimited|none))*/,
  transformer: (s: string) => s.split(' or ') as Framing[],
});

export type TimeoutName = 'connect' | 'response' | 'request headers' | 'downstream idle' | 'upstream idle';
defineParameterType({
  name: 'timeout',
  regexp: /connect|response|request headers|downstream idle|upstream idle/,
  transformer: (s: string) => s as TimeoutName,
});

export type LimitName = 'request header size' | 'header count' | 'buffer';
defineParameterType({
  name: 'limit',
  regexp: /request header size|header count|buffer/,
  transformer: (s: string) => s as LimitName,
});

defineParameterType({ name: 'route_kind', regexp: /prefix|path/, transformer: (s: string) => s as 'prefix' | 'path' });

/** When several clients send: all at once, each after the previous got its response, or staggered. */
export type Timing = { kind: 'together' } | { kind: 'sequential' } | { kind: 'staggered'; ms: number };
defineParameterType({
  name: 'timing',
  regexp: /at the same time|one after another|\d+ ms apart/,
  transformer: (s: string): Timing =>
    s === 'at the same time'
      ? { kind: 'together' }
      : s === 'one after another'
        ? { kind: 'sequential' }
        : { kind: 'staggered', ms: Number.parseInt(s, 10) },
});

/** `no`, `3`, `at least 1`, `at most 2`. */
export interface CountMatcher {
  label: string;
  test(n: number): boolean;
  /** How many to wait for before judging (0: judge once the exchange settled). */
  waitFor: number;
}
export function parseCount(s: string): CountMatcher {
  if (s === 'no') return { label: 'no', test: (n) => n === 0, waitFor: 0 };
  const n = Number(/\d+/.exec(s)?.[0]);
  if (s.startsWith('at least')) return { label: s, test: (x) => x >= n, waitFor: n };
  if (s.startsWith('at most')) return { label: s, test: (x) => x <= n, waitFor: 0 };
  return { label: s, test: (x) => x === n, waitFor: n };
}

/** `the client` or `upstream "app"`, as the actor name on the timeline. */
defineParameterType({
  name: 'party',
  regexp: /the client|upstream "[^"]+"/,
  transformer: (s: string) => (s === 'the client' ? 'client' : `upstream:${s.slice('upstream "'.length, -1)}`),
});

/**
 * Something that happened, located on the shared timeline:
 *   the client sent "X" / the client received "X"          (first time those bytes had crossed the socket)
 *   upstream "app" sent "X" / upstream "app" received "X"
 *   upstream "app" accepted a connection
 *   the proxy emitted "read_disabled"                       (the proxy's own trace; needs @needs-proxy-trace)
 *   the proxy emitted "request_begin" for the 2nd time      (the n-th event of that name in this scenario)
 */
export interface Happening {
  label: string;
  actor: string;
  kind: string;
  /** Bytes that must have been sent/received by then (send/recv events only). */
  marker?: string;
  /** Which occurrence of a proxy trace event, from 1 (the first when absent). */
  nth?: number;
}
defineParameterType({
  name: 'happening',
  regexp:
    /the client (?:sent|received) "[^"]*"|upstream "[^"]+" (?:sent|received) "[^"]*"|upstream "[^"]+" accepted a connection|the proxy emitted "[^"]+"(?: for the \d+(?:st|nd|rd|th) time)?/,
  transformer: (s: string): Happening => {
    const client = /^the client (sent|received) "(.*)"$/.exec(s);
    if (client) return { label: s, actor: 'client', kind: client[1] === 'sent' ? 'send' : 'recv', marker: client[2] };
    const bytes = /^upstream "([^"]+)" (sent|received) "(.*)"$/.exec(s);
    if (bytes)
      return { label: s, actor: `upstream:${bytes[1]}`, kind: bytes[2] === 'sent' ? 'send' : 'recv', marker: bytes[3] };
    const accepted = /^upstream "([^"]+)" accepted a connection$/.exec(s);
    if (accepted) return { label: s, actor: `upstream:${accepted[1]}`, kind: 'accept' };
    const m = /^the proxy emitted "([^"]+)"(?: for the (\d+)(?:st|nd|rd|th) time)?$/.exec(s) as RegExpExecArray;
    if (m[2] === undefined) return { label: s, actor: 'proxy', kind: m[1] };
    const nth = Number(m[2]);
    if (nth < 1) throw new Error(`"${s}": occurrences count from 1 (the 1st time)`);
    return { label: s, actor: 'proxy', kind: m[1], nth };
  },
});

defineParameterType({
  name: 'conn_state',
  regexp: /is closed|stays open/,
  transformer: (s: string) => (s === 'is closed' ? 'closed' : 'open'),
});

defineParameterType({
  name: 'line_part',
  regexp: /method|target|version/,
  transformer: (s: string) => s as 'method' | 'target' | 'version',
});

/** `no interim response` or `an interim 103 response`. */
defineParameterType({
  name: 'interim',
  regexp: /no interim response|an interim \d{3} response/,
  transformer: (s: string): number | null => (s.startsWith('no') ? null : Number(/\d{3}/.exec(s)?.[0])),
});
