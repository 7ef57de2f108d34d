import type { Invariant } from '../invariant';
import { describeClientRequest, describeExchange, finalAttempt, fmtT, reliablyPaired } from '../model/exchange';
import { exchangeModel } from '../model/exchange_model';

/**
 * Methods RFC 9110 9.2.1 defines as safe (method names are case-sensitive, RFC 9110 9.1). RFC 9112 9.3.2 lets a
 * server process pipelined requests with safe methods in parallel, so only pairs with a non-safe method are held.
 */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/** Whether a pipelined pair may be processed in parallel: both requests have safe methods. */
export function bothSafe(methodA: string, methodB: string): boolean {
  return SAFE_METHODS.has(methodA) && SAFE_METHODS.has(methodB);
}

/**
 * A pipelined request is handled after the one before it when either of the two has a non-safe method (responses
 * in order, whatever the methods, is INV-10). Compared with the upstream's own send time (the client's receive time
 * would race inside one process).
 */
export const pipelineWaitsForUpstream: Invariant = {
  id: 'INV-03-PIPELINE-WAITS-FOR-UPSTREAM',
  statement:
    'A pipelined request reaches an upstream only after the response to the previous request on the same client ' +
    'connection was complete as sent by the upstream, when either request has a non-safe method (RFC 9112 9.3.2 ' +
    'lets requests with safe methods, GET, HEAD, OPTIONS and TRACE, be processed in parallel).',
  check(ctx) {
    const m = exchangeModel(ctx);
    const violations: string[] = [];
    let exercised = 0;
    for (const c of m.clients) {
      for (let j = 0; j + 1 < c.requests.length; j++) {
        const prev = c.requests[j];
        const next = c.requests[j + 1];
        const a = finalAttempt(prev);
        const b = next.attempts[0];
        if (!a || !b || !reliablyPaired(a) || !reliablyPaired(b)) continue;
        if (bothSafe(prev.wire.method, next.wire.method)) continue;
        const done = a.response?.tComplete;
        const pipelined = next.tFirstByte !== undefined && (done === undefined || next.tFirstByte < done);
        if (!pipelined) continue;
        if (done !== undefined) {
          exercised++;
          if (b.record.tFirstByte < done) {
            violations.push(
              `${describeClientRequest(next)} reached ${describeExchange(b)} at ${fmtT(b.record.tFirstByte, m.t0)}, before the upstream completed the response to ${describeClientRequest(prev)} at ${fmtT(done, m.t0)}`,
            );
          }
        } else if (a.conn.record.tClosed === undefined) {
          // Still outstanding and never abandoned (abandoning an HTTP/1.1 request closes its connection).
          exercised++;
          violations.push(
            `${describeClientRequest(next)} reached ${describeExchange(b)} while ${describeClientRequest(prev)} was still outstanding on ${describeExchange(a)}`,
          );
        }
      }
    }
    return { exercised, violations };
  },
};
