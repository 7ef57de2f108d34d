import type { Invariant } from '../invariant';
import { describeClientRequest, describeExchange, fmtT } from '../model/exchange';
import { exchangeModel } from '../model/exchange_model';

/** A proxy neither invents nor duplicates requests, and keeps the order of one connection's requests. */
export const upstreamRequestsMatchDownstream: Invariant = {
  id: 'INV-05-UPSTREAM-REQUESTS-MATCH-DOWNSTREAM',
  statement:
    'Every upstream request carries one request a client sent (a repeat only after a failed attempt), and the ' +
    'requests of one client connection reach the upstreams in the order they were sent.',
  check(ctx) {
    const m = exchangeModel(ctx);
    const violations: string[] = [];
    let exercised = 0;
    // Unmatched requests mean something only when every client stream could be read unambiguously.
    if (m.correlationComplete) {
      for (const ex of m.exchanges) {
        exercised++;
        if (ex.client === undefined) {
          violations.push(
            `${describeExchange(ex)} at ${fmtT(ex.record.tFirstByte, m.t0)} matches no request any client sent (or repeats one whose earlier attempt succeeded)`,
          );
        }
      }
    }
    for (const c of m.clients) {
      const forwarded = c.requests.filter((r) => !r.uncertain && r.attempts.length > 0 && !r.attempts[0].ambiguous);
      for (let i = 0; i + 1 < forwarded.length; i++) {
        const a = forwarded[i];
        const b = forwarded[i + 1];
        exercised++;
        if (b.attempts[0].record.tFirstByte < a.attempts[0].record.tFirstByte) {
          violations.push(
            `${describeClientRequest(b)} reached ${describeExchange(b.attempts[0])} before ${describeClientRequest(a)} reached ${describeExchange(a.attempts[0])}`,
          );
        }
      }
    }
    return { exercised, violations };
  },
};
