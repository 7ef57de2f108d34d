import type { Invariant } from '../invariant';
import { describeClientRequest, fmtT } from '../model/exchange';
import { exchangeModel } from '../model/exchange_model';

/** A success answers a request; a proxy cannot have one before the request's head was even sent. */
export const noSuccessBeforeRequestHead: Invariant = {
  id: 'INV-14-NO-SUCCESS-BEFORE-REQUEST-HEAD',
  statement:
    'Every non-error response (status < 400) on a client connection answers a request whose head the client had ' +
    'already sent completely.',
  check(ctx) {
    const m = exchangeModel(ctx);
    const violations: string[] = [];
    let exercised = 0;
    for (const c of m.clients) {
      c.responses.forEach((down, j) => {
        if (down.status === 0 || down.status >= 400 || down.tFirstByte === undefined) return;
        const r = c.requests[j];
        if (!r) {
          if (!c.fullyParsed) return;
          exercised++;
          violations.push(
            `${c.id} response #${j} (${down.status}) answers no request: the client sent ${c.requests.length}`,
          );
          return;
        }
        if (r.uncertain) return;
        exercised++;
        if (r.tHeadSent === undefined || down.tFirstByte < r.tHeadSent) {
          violations.push(
            `${c.id} response #${j} (${down.status}) began at ${fmtT(down.tFirstByte, m.t0)}, before ${describeClientRequest(r)} finished its head (${fmtT(r.tHeadSent, m.t0)})`,
          );
        }
      });
    }
    return { exercised, violations };
  },
};
