import { headerTokens, headerValues } from '../wire/http_head';
import type { ClientRequest, UpstreamExchange } from './exchange';

/**
 * Pairs each upstream exchange with the client request it carried. HTTP/1.1 has no request id, so the pairing
 * is inferred, in this order of trust: the same set of `x-conformance-*` header fields; the same method and
 * target; the same method and target after normalization (a proxy may normalize the path). Among candidates,
 * requests the client had already started sending come first, then those whose body and end-to-end header fields
 * arrived unchanged, then the earliest. When candidates from different client connections tie, the pairing is
 * flagged ambiguous and invariants that compare both sides leave it out.
 */
export function correlate(clientRequests: readonly ClientRequest[], exchanges: readonly UpstreamExchange[]): void {
  const byTime = [...clientRequests].sort((a, b) => cmpT(a.tFirstByte, b.tFirstByte) || a.index - b.index);
  const taken = new Set<ClientRequest>();
  // Requests that tied for some exchange: whichever exchange gets them later is a consequence of a guess too.
  const contested = new Set<ClientRequest>();
  const ordered = [...exchanges].sort((a, b) => cmpT(a.record.tFirstByte, b.record.tFirstByte));
  for (const ex of ordered) {
    let paired = false;
    for (const layer of LAYERS) {
      const same = byTime.filter((r) => layer(r, ex));
      if (same.length === 0) continue;
      const free = same.filter((r) => !taken.has(r));
      if (free.length > 0) {
        const { best, tied } = pick(free, ex);
        taken.add(best);
        const tie = new Set(tied.map((r) => r.clientId)).size > 1;
        if (tie) for (const r of tied) contested.add(r);
        attach(ex, best, false, tie || contested.has(best));
        paired = true;
        break;
      }
      // Every candidate is already carried: a repeat is a retry only when the previous attempt failed.
      const retried = same.filter((r) => {
        const last = r.attempts[r.attempts.length - 1];
        return last !== undefined && last.response?.tComplete === undefined;
      });
      if (retried.length > 0) {
        const latest = retried.reduce((a, b) =>
          cmpT(
            a.attempts[a.attempts.length - 1].record.tFirstByte,
            b.attempts[b.attempts.length - 1].record.tFirstByte,
          ) > 0
            ? a
            : b,
        );
        const tie = new Set(retried.map((r) => r.clientId)).size > 1;
        attach(ex, latest, true, tie || contested.has(latest));
        paired = true;
        break;
      }
    }
    if (!paired) ex.client = undefined;
  }
}

type Layer = (r: ClientRequest, ex: UpstreamExchange) => boolean;

const LAYERS: Layer[] = [
  (r, ex) => {
    const up = conformanceIds(ex.record.headers);
    return up !== '' && up === conformanceIds(r.wire.headers);
  },
  (r, ex) =>
    conformanceIds(ex.record.headers) === '' &&
    r.wire.method === ex.record.method &&
    originForm(r.wire.target) === originForm(ex.record.target),
  (r, ex) =>
    conformanceIds(ex.record.headers) === '' &&
    r.wire.method === ex.record.method &&
    normalizedPath(r.wire.target) === normalizedPath(ex.record.target),
];

/** The best candidate, and every candidate that scored as well (the earliest of each connection). */
function pick(free: ClientRequest[], ex: UpstreamExchange): { best: ClientRequest; tied: ClientRequest[] } {
  const scored = free.map((r) => ({ r, score: score(r, ex) }));
  const top = Math.max(...scored.map((s) => s.score));
  const tops = scored.filter((s) => s.score === top).map((s) => s.r);
  const tied = tops.filter((r, i) => tops.findIndex((o) => o.clientId === r.clientId) === i);
  return { best: tops[0], tied };
}

function score(r: ClientRequest, ex: UpstreamExchange): number {
  let s = 0;
  if (r.tFirstByte !== undefined && r.tFirstByte <= ex.record.tFirstByte) s += 4;
  if (r.wire.complete && ex.record.complete && r.wire.body.equals(ex.record.body)) s += 2;
  if (endToEndFieldsArrived(r.wire.headers, ex.record.headers)) s += 1;
  return s;
}

function attach(ex: UpstreamExchange, r: ClientRequest, retry: boolean, tie: boolean): void {
  ex.client = r;
  ex.retry = retry;
  ex.ambiguous = tie;
  r.attempts.push(ex);
}

const HOP_OR_REWRITTEN = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'transfer-encoding',
  'upgrade',
  'trailer',
  'host',
  'content-length',
  'expect',
]);

/** Each end-to-end field line the client sent reached the upstream (values may have been appended to). */
function endToEndFieldsArrived(sent: ReadonlyArray<[string, string]>, got: ReadonlyArray<[string, string]>): boolean {
  const nominated = new Set(headerTokens(sent, 'connection'));
  return sent.every(([name, value]) => {
    const lower = name.toLowerCase();
    if (HOP_OR_REWRITTEN.has(lower) || nominated.has(lower)) return true;
    return headerValues(got, name).some((v) => v.includes(value));
  });
}

/** `x-conformance-*` field lines as one comparable string ('' when there are none). */
export function conformanceIds(headers: ReadonlyArray<[string, string]>): string {
  return headers
    .filter(([n]) => n.toLowerCase().startsWith('x-conformance-'))
    .map(([n, v]) => `${n.toLowerCase()}:${v}`)
    .sort()
    .join('\n');
}

/** Absolute-form targets become origin-form (a proxy forwards path and query). */
export function originForm(target: string): string {
  const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*(.*)$/.exec(target);
  if (!m) return target;
  return m[1] === '' || m[1].startsWith('?') ? `/${m[1]}` : m[1];
}

/** Path with percent-escapes of unreserved bytes decoded, slashes merged, dot segments removed. */
export function normalizedPath(target: string): string {
  const t = originForm(target);
  const q = t.indexOf('?');
  const path = q < 0 ? t : t.slice(0, q);
  const query = q < 0 ? '' : t.slice(q);
  const decoded = path.replace(/%([0-9a-fA-F]{2})/g, (all, hex: string) => {
    const c = String.fromCharCode(Number.parseInt(hex, 16));
    return /[A-Za-z0-9\-._~]/.test(c) ? c : all.toUpperCase();
  });
  const out: string[] = [];
  for (const seg of decoded.split('/').filter((s, i) => i === 0 || s !== '')) {
    if (seg === '.') continue;
    if (seg === '..') {
      if (out.length > 1) out.pop();
      continue;
    }
    out.push(seg);
  }
  const joined = out.join('/');
  return (joined.startsWith('/') ? joined : `/${joined}`) + query;
}

export function cmpT(a: bigint | undefined, b: bigint | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  return a < b ? -1 : 1;
}
