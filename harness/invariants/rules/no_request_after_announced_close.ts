import type { Invariant } from '../invariant';
import { describeExchange } from '../model/exchange';
import { exchangeModel } from '../model/exchange_model';

/**
 * The proxy learns from the response itself that the connection ends (no race with the close), so reusing it is
 * always a bug.
 */
export const noRequestAfterAnnouncedClose: Invariant = {
  id: 'INV-11-NO-REQUEST-AFTER-ANNOUNCED-CLOSE',
  statement:
    'No request is sent on an upstream connection after a response that announced its end (Connection: close, ' +
    'HTTP/1.0 without keep-alive, or a body delimited by the close).',
  check(ctx) {
    const m = exchangeModel(ctx);
    const violations: string[] = [];
    let exercised = 0;
    for (const conn of m.upstreamConnections) {
      conn.exchanges.forEach((ex, k) => {
        const res = ex.response;
        if (!res?.announcesClose || res.tHeadersSent === undefined) return;
        exercised++;
        const next = conn.exchanges[k + 1];
        // A request sent before the announcing head is pipelining (INV-02), not a reuse.
        if (next && next.record.tFirstByte >= res.tHeadersSent) {
          violations.push(
            `${describeExchange(next)} was sent after the response to ${describeExchange(ex)} announced the end of the connection`,
          );
        }
      });
    }
    return { exercised, violations };
  },
};
