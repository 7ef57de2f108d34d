import type { Invariant } from '../invariant';
import { describeClientRequest, describeExchange, finalAttempt, reliablyPaired } from '../model/exchange';
import { exchangeModel } from '../model/exchange_model';

/** A truncated response must stay visibly truncated: a downstream that sees it complete would trust a partial body. */
export const noCompleteAfterUpstreamAbort: Invariant = {
  id: 'INV-04-NO-COMPLETE-AFTER-UPSTREAM-ABORT',
  statement:
    'When an upstream closes or resets its connection in the middle of a response body, the client never receives ' +
    'that response as complete.',
  check(ctx) {
    const m = exchangeModel(ctx);
    const violations: string[] = [];
    let exercised = 0;
    for (const ex of m.exchanges) {
      const res = ex.response;
      if (!reliablyPaired(ex) || !res || res.wire.headEnd === undefined || res.wire.complete) continue;
      // Close-delimited bodies end with the close; only framed bodies can be cut short unambiguously.
      if (res.wire.framing === 'close-delimited' || ex.conn.record.closedBy !== 'self') continue;
      if (finalAttempt(ex.client) !== ex) continue;
      exercised++;
      const down = ex.client.response;
      if (down?.complete && down.status === res.wire.status) {
        violations.push(
          `${describeClientRequest(ex.client)} got a complete ${down.status} response (${down.body.length} body bytes) although ${describeExchange(ex)} was cut after ${res.wire.body.length} body bytes`,
        );
      }
    }
    return { exercised, violations };
  },
};
