import type { Invariant } from '../invariant';
import { describeClientRequest, earliest, fmtT } from '../model/exchange';
import { exchangeModel } from '../model/exchange_model';

/** A proxy relays responses; the only responses it may make up are local error replies (and 1xx). */
export const noResponseBeforeUpstream: Invariant = {
  id: 'INV-07-NO-RESPONSE-BEFORE-UPSTREAM',
  statement:
    'A proxy writes a non-error response (status < 400) to the client only after the upstream began the ' +
    'corresponding response; only local replies (status >= 400, 100 Continue) may come first.',
  check(ctx) {
    const m = exchangeModel(ctx);
    const violations: string[] = [];
    let exercised = 0;
    for (const c of m.clients) {
      for (const r of c.requests) {
        const down = r.response;
        if (!down || r.uncertain || down.status === 0 || down.status >= 400) continue;
        if (r.attempts.some((a) => a.ambiguous)) continue;
        // With 1xx first (possibly a local 100 Continue), the final head is what must follow the upstream.
        const tDown = down.informational.length > 0 ? down.tHeaders : down.tFirstByte;
        if (tDown === undefined) continue;
        if (r.attempts.length === 0) {
          if (!m.correlationComplete) continue;
          exercised++;
          violations.push(`${describeClientRequest(r)} got a ${down.status} response although no upstream received it`);
          continue;
        }
        exercised++;
        const first = earliest(r.attempts.map((a) => a.response?.tFirstByte));
        if (first === undefined || tDown < first) {
          violations.push(
            `${describeClientRequest(r)} got a ${down.status} response at ${fmtT(tDown, m.t0)}, the upstream began its response at ${fmtT(first, m.t0)}`,
          );
        }
      }
    }
    return { exercised, violations };
  },
};
