import type { Invariant } from '../invariant';
import { describeExchange, fmtT } from '../model/exchange';
import { exchangeModel } from '../model/exchange_model';

/** Reusing a connection with an unfinished exchange on it would splice two messages together. */
export const reusedConnectionWasIdle: Invariant = {
  id: 'INV-06-REUSED-CONNECTION-WAS-IDLE',
  statement:
    'An upstream connection is reused only when idle: the previous request had been received whole and its ' +
    'response sent whole before the next request begins.',
  check(ctx) {
    const m = exchangeModel(ctx);
    const violations: string[] = [];
    let exercised = 0;
    for (const conn of m.upstreamConnections) {
      for (let k = 1; k < conn.exchanges.length; k++) {
        const prev = conn.exchanges[k - 1];
        const next = conn.exchanges[k];
        exercised++;
        const start = next.record.tFirstByte;
        const reqDone = prev.record.complete ? prev.record.tComplete : undefined;
        const resDone = prev.response?.tComplete;
        if (reqDone === undefined || reqDone > start) {
          violations.push(
            `${describeExchange(next)} began at ${fmtT(start, m.t0)} although ${describeExchange(prev)} was not received whole (${fmtT(reqDone, m.t0)})`,
          );
        }
        if (resDone === undefined || resDone > start) {
          violations.push(
            `${describeExchange(next)} began at ${fmtT(start, m.t0)} although the response to ${describeExchange(prev)} was not sent whole (${fmtT(resDone, m.t0)})`,
          );
        }
      }
    }
    return { exercised, violations };
  },
};
