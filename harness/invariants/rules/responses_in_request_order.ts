import type { Invariant } from '../invariant';
import type { ClientRequest, UpstreamResponse } from '../model/exchange';
import { finalAttempt, reliablyPaired } from '../model/exchange';
import { exchangeModel } from '../model/exchange_model';

/** HTTP/1.1 has no response ids: the n-th response answers the n-th request, so a proxy must keep the order. */
export const responsesInRequestOrder: Invariant = {
  id: 'INV-10-RESPONSES-IN-REQUEST-ORDER',
  statement:
    "Responses reach the client in the order of its requests: the n-th response on a connection is the upstream's " +
    'answer to the n-th request, never the answer to another one.',
  check(ctx) {
    const m = exchangeModel(ctx);
    const violations: string[] = [];
    let exercised = 0;
    for (const c of m.clients) {
      const relayed: Array<{ r: ClientRequest; up: UpstreamResponse }> = [];
      for (const r of c.requests) {
        const a = finalAttempt(r);
        if (!r.response?.complete || !a || !reliablyPaired(a) || !a.response?.wire.complete) continue;
        relayed.push({ r, up: a.response });
      }
      if (relayed.length < 2) continue;
      exercised++;
      for (const { r, up } of relayed) {
        const down = r.response!;
        const same = (u: UpstreamResponse) => u.wire.status === down.status && u.wire.body.equals(down.body);
        if (same(up)) continue;
        const other = relayed.find((o) => o.r !== r && same(o.up));
        if (other) {
          violations.push(
            `${c.id} response #${r.index} (${down.status}, ${down.body.length} body bytes) is the upstream's answer to request #${other.r.index}, not to request #${r.index}`,
          );
        }
      }
    }
    return { exercised, violations };
  },
};
