import type { Invariant } from '../invariant';
import { describeClientRequest, describeExchange, reliablyPaired } from '../model/exchange';
import { exchangeModel } from '../model/exchange_model';
import { firstDifference } from './compare';

/** Re-framing is allowed (Content-Length to chunked and back); changing, cutting or padding the body is not. */
export const requestBodyIntact: Invariant = {
  id: 'INV-13-REQUEST-BODY-INTACT',
  statement:
    'A request an upstream received complete was sent complete by the client, with the same body (framing aside).',
  check(ctx) {
    const m = exchangeModel(ctx);
    const violations: string[] = [];
    let exercised = 0;
    for (const ex of m.exchanges) {
      if (!reliablyPaired(ex) || !ex.record.complete) continue;
      const r = ex.client;
      exercised++;
      if (!r.wire.complete) {
        violations.push(
          `${describeExchange(ex)} is complete (${ex.record.body.length} body bytes) but ${describeClientRequest(r)} was never sent whole (${r.wire.body.length} body bytes sent)`,
        );
        continue;
      }
      const diff = firstDifference(ex.record.body, r.wire.body);
      if (diff !== undefined) {
        violations.push(
          `${describeExchange(ex)}: body differs from what ${describeClientRequest(r)} sent: ${ex.record.body.length} vs ${r.wire.body.length} bytes, first difference at byte ${diff}`,
        );
      }
    }
    return { exercised, violations };
  },
};
