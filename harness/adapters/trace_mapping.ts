import type { TraceEvent } from '../../reference/trace/trace_event';
import type { TimelineEvent } from '../timeline/event';

/** Events about the upstream socket or pool slot: their connection is the upstream one when the trace names it. */
const UPSTREAM_SIDE = /^(upstream_|pool_)/;

/**
 * A reference trace event as a timeline event: actor 'proxy', kind = the event name, conn 'proxy:cx<N>' or
 * 'proxy:ucx<N>', every other field (cx, st, ucx, bytes, reason...) in detail.
 */
export function traceToTimeline(e: TraceEvent): TimelineEvent {
  const { t, ev, ...rest } = e;
  const detail: NonNullable<TimelineEvent['detail']> = {};
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) detail[k] = v;
  let conn: string | undefined;
  if (e.ucx !== undefined && (UPSTREAM_SIDE.test(ev) || e.cx === undefined)) conn = `proxy:ucx${e.ucx}`;
  else if (e.cx !== undefined) conn = `proxy:cx${e.cx}`;
  const out: TimelineEvent = { t: BigInt(t), actor: 'proxy', kind: ev };
  if (conn) out.conn = conn;
  if (Object.keys(detail).length > 0) out.detail = detail;
  return out;
}
