import type { Invariant, InvariantContext, InvariantResult } from './invariant';
import { closedConnectionNotReused } from './rules/closed_connection_not_reused';
import { completeDownstreamWasCompleteUpstream } from './rules/complete_downstream_was_complete_upstream';
import { noCompleteAfterUpstreamAbort } from './rules/no_complete_after_upstream_abort';
import { noEarlyBytes } from './rules/no_early_bytes';
import { noRequestAfterAnnouncedClose } from './rules/no_request_after_announced_close';
import { noResponseBeforeUpstream } from './rules/no_response_before_upstream';
import { noSuccessBeforeRequestHead } from './rules/no_success_before_request_head';
import { noUpstreamRequestAfterClientAbort } from './rules/no_upstream_request_after_client_abort';
import { oneOutstandingRequest } from './rules/one_outstanding_request';
import { pipelineWaitsForUpstream } from './rules/pipeline_waits_for_upstream';
import { requestBodyIntact } from './rules/request_body_intact';
import { responsesInRequestOrder } from './rules/responses_in_request_order';
import { reusedConnectionWasIdle } from './rules/reused_connection_was_idle';
import { upstreamRequestsMatchDownstream } from './rules/upstream_requests_match_downstream';

export type { Invariant, InvariantContext, InvariantResult } from './invariant';

/** Proxy-agnostic event-order and content invariants, checked after every scenario. */
export const INVARIANTS: readonly Invariant[] = [
  noEarlyBytes,
  oneOutstandingRequest,
  pipelineWaitsForUpstream,
  noCompleteAfterUpstreamAbort,
  upstreamRequestsMatchDownstream,
  reusedConnectionWasIdle,
  noResponseBeforeUpstream,
  noUpstreamRequestAfterClientAbort,
  completeDownstreamWasCompleteUpstream,
  responsesInRequestOrder,
  noRequestAfterAnnouncedClose,
  closedConnectionNotReused,
  requestBodyIntact,
  noSuccessBeforeRequestHead,
];

/** Runs every invariant; an invariant that throws reports the error as a violation instead of hiding the others. */
export function checkInvariants(ctx: InvariantContext): InvariantResult[] {
  return INVARIANTS.map((inv) => {
    try {
      const { exercised, violations } = inv.check(ctx);
      return { id: inv.id, statement: inv.statement, exercised, violations };
    } catch (err) {
      const why = err instanceof Error ? (err.stack ?? err.message) : String(err);
      return { id: inv.id, statement: inv.statement, exercised: 0, violations: [`checker error: ${why}`] };
    }
  });
}
