import type { Invariant } from '../invariant';
import { describeClientRequest, describeExchange, finalAttempt, fmtT, reliablyPaired } from '../model/exchange';
import { exchangeModel } from '../model/exchange_model';

/**
 * A pipelined request is handled after the one before it. Compared with the upstream's own send time (the client's
 * receive time would race inside one process).
 */
export const pipelineWaitsForUpstream: Invariant = {
  id: 'INV-03-PIPELINE-WAITS-FOR-UPSTREAM',
  statement:
    'A pipelined request reaches an upstream only after the response to the previous request on the same client ' +
    'connection was complete as sent by the upstream.',
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
