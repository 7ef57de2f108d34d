import type { Invariant } from '../invariant';
import { describeClientRequest, describeExchange, earliest, fmtT } from '../model/exchange';
import { exchangeModel } from '../model/exchange_model';

/**
 * Once a proxy has acted on a client's abort (it closed the upstream connection of the request in flight), it
 * starts nothing more for that client. Measured from the proxy's own reaction, not from the client's reset:
 * requests already on their way when the reset happened may legitimately still arrive.
 */
export const noUpstreamRequestAfterClientAbort: Invariant = {
  id: 'INV-08-NO-UPSTREAM-REQUEST-AFTER-CLIENT-ABORT',
  statement:
    'After a client half-closes or resets and the proxy abandons the request in flight (closes its upstream ' +
    'connection), no upstream request for that client connection begins.',
  check(ctx) {
    const m = exchangeModel(ctx);
    const violations: string[] = [];
    let exercised = 0;
    for (const c of m.clients) {
      const tAbort = earliest([c.tReset, c.tHalfClose]);
      if (tAbort === undefined) continue;
      const attempts = c.requests.flatMap((r) => r.attempts).filter((a) => !a.ambiguous);
      const tAbandon = earliest(
        attempts.map((a) => {
          const rec = a.conn.record;
          if (rec.closedBy !== 'peer' || rec.tClosed === undefined || rec.tClosed < tAbort) return undefined;
          const done = a.response?.tComplete;
          return done === undefined || done > rec.tClosed ? rec.tClosed : undefined;
        }),
      );
      if (tAbandon === undefined) continue;
      exercised++;
      for (const a of attempts) {
        if (a.record.tFirstByte > tAbandon && a.client) {
          violations.push(
            `${describeClientRequest(a.client)} reached ${describeExchange(a)} at ${fmtT(a.record.tFirstByte, m.t0)}, after the proxy abandoned ${c.id}'s request in flight at ${fmtT(tAbandon, m.t0)}`,
          );
        }
      }
    }
    return { exercised, violations };
  },
};
