import type { Invariant } from '../invariant';
import { describeClientRequest, describeExchange, finalAttempt, reliablyPaired } from '../model/exchange';
import { exchangeModel } from '../model/exchange_model';
import { firstDifference } from './compare';

/** What the client sees as a whole response is the whole upstream response, whatever the framing became. */
export const completeDownstreamWasCompleteUpstream: Invariant = {
  id: 'INV-09-COMPLETE-DOWNSTREAM-WAS-COMPLETE-UPSTREAM',
  statement:
    'A relayed response that is complete at the client was complete as sent by the upstream, and its body is ' +
    'the body the upstream sent (framing aside).',
  check(ctx) {
    const m = exchangeModel(ctx);
    const violations: string[] = [];
    let exercised = 0;
    for (const c of m.clients) {
      for (const r of c.requests) {
        const down = r.response;
        const a = finalAttempt(r);
        if (!down?.complete || !a || !reliablyPaired(a) || !a.response || a.response.wire.headEnd === undefined)
          continue;
        // A different status is a local reply in place of the upstream's response, not a relayed one.
        if (a.response.wire.status !== down.status) continue;
        exercised++;
        const up = a.response.wire;
        if (!up.complete) {
          violations.push(
            `${describeClientRequest(r)} got a complete ${down.status} response, but ${describeExchange(a)} never completed it (${up.body.length} body bytes sent)`,
          );
          continue;
        }
        const diff = firstDifference(down.body, up.body);
        if (diff !== undefined) {
          violations.push(
            `${describeClientRequest(r)}: body differs from the one ${describeExchange(a)} sent: ${down.body.length} vs ${up.body.length} bytes, first difference at byte ${diff}`,
          );
        }
      }
    }
    return { exercised, violations };
  },
};
