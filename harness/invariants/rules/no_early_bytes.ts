import type { Invariant } from '../invariant';
import { describeClientRequest, describeExchange, fmtT, reliablyPaired } from '../model/exchange';
import { exchangeModel } from '../model/exchange_model';

/** A proxy forwards bytes; it cannot forward them before it has them. */
export const noEarlyBytes: Invariant = {
  id: 'INV-01-NO-EARLY-BYTES',
  statement:
    'No upstream receives a byte of a request before the client sent it: not its first byte, not the end of ' +
    'its head, not body byte N.',
  check(ctx) {
    const m = exchangeModel(ctx);
    const violations: string[] = [];
    let exercised = 0;
    const at = (t: bigint | undefined) => fmtT(t, m.t0);
    for (const ex of m.exchanges) {
      if (!reliablyPaired(ex)) continue;
      const r = ex.client;
      exercised++;
      const where = `${describeExchange(ex)} carrying ${describeClientRequest(r)}`;
      if (r.tFirstByte !== undefined && ex.record.tFirstByte < r.tFirstByte) {
        violations.push(
          `${where}: first byte upstream at ${at(ex.record.tFirstByte)}, sent by the client at ${at(r.tFirstByte)}`,
        );
      }
      if (ex.record.tHeaders !== undefined && (r.tHeadSent === undefined || ex.record.tHeaders < r.tHeadSent)) {
        violations.push(
          `${where}: head complete upstream at ${at(ex.record.tHeaders)}, the client sent the end of its head at ${at(r.tHeadSent)}`,
        );
      }
      const n = Math.min(ex.record.body.length, r.wire.body.length);
      // Client send time is constant between steps and upstream time never decreases: the steps suffice.
      for (const step of r.bodyTimeSteps) {
        if (step >= n) break;
        const up = ex.bodyByteTime(step);
        const sent = r.bodyByteTime(step);
        if (up !== undefined && sent !== undefined && up < sent) {
          violations.push(`${where}: body byte ${step} upstream at ${at(up)}, sent by the client at ${at(sent)}`);
          break;
        }
      }
    }
    return { exercised, violations };
  },
};
