import type { Invariant } from '../invariant';
import { describeExchange, fmtT } from '../model/exchange';
import { exchangeModel } from '../model/exchange_model';

/**
 * Only closes in the middle of an exchange are judged: a pooled idle connection closed by the upstream may race
 * with a request the proxy is already sending (a known, unavoidable race), but a connection whose response never
 * completed can never look idle to the proxy.
 */
export const closedConnectionNotReused: Invariant = {
  id: 'INV-12-CLOSED-CONNECTION-NOT-REUSED',
  statement:
    'An upstream connection that the upstream closed or reset in the middle of an exchange carries no further ' +
    'request.',
  check(ctx) {
    const m = exchangeModel(ctx);
    const violations: string[] = [];
    let exercised = 0;
    for (const conn of m.upstreamConnections) {
      const { tClosed, closedBy, closeHow } = conn.record;
      if (closedBy !== 'self' || tClosed === undefined) continue;
      const cut = conn.exchanges.find(
        (ex) =>
          ex.record.tFirstByte <= tClosed && (ex.response?.tComplete === undefined || ex.response.tComplete > tClosed),
      );
      if (!cut) continue;
      exercised++;
      for (const ex of conn.exchanges) {
        if (ex.record.tFirstByte > tClosed) {
          violations.push(
            `${describeExchange(ex)} began at ${fmtT(ex.record.tFirstByte, m.t0)}, after the upstream closed the connection (${closeHow}) at ${fmtT(tClosed, m.t0)} in the middle of ${describeExchange(cut)}`,
          );
        }
      }
    }
    return { exercised, violations };
  },
};
