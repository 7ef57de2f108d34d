import type { Invariant } from '../invariant';
import { describeExchange, fmtT } from '../model/exchange';
import { exchangeModel } from '../model/exchange_model';

/** HTTP/1.1 upstream connections are not pipelined by a proxy: one request at a time. */
export const oneOutstandingRequest: Invariant = {
  id: 'INV-02-ONE-OUTSTANDING-REQUEST',
  statement:
    'An upstream connection never carries two outstanding requests: request k+1 begins only after the upstream ' +
    'sent response k completely.',
  check(ctx) {
    const m = exchangeModel(ctx);
    const violations: string[] = [];
    let exercised = 0;
    for (const conn of m.upstreamConnections) {
      for (let k = 0; k + 1 < conn.exchanges.length; k++) {
        const a = conn.exchanges[k];
        const b = conn.exchanges[k + 1];
        exercised++;
        const done = a.response?.tComplete;
        if (done === undefined) {
          violations.push(
            `${describeExchange(b)} began at ${fmtT(b.record.tFirstByte, m.t0)} while the response to ${describeExchange(a)} was never completed`,
          );
        } else if (b.record.tFirstByte < done) {
          violations.push(
            `${describeExchange(b)} began at ${fmtT(b.record.tFirstByte, m.t0)}, before the upstream finished the response to ${describeExchange(a)} at ${fmtT(done, m.t0)}`,
          );
        }
      }
    }
    return { exercised, violations };
  },
};
