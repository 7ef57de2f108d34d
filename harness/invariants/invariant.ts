import type { DownstreamClientApi, InstrumentedUpstreamApi, TimelineApi } from '../api';
import type { ParsedResponse } from '../client/types';

/** Everything a scenario leaves behind: the shared timeline and what each peer recorded. */
export interface InvariantContext {
  timeline: TimelineApi;
  upstreams: readonly InstrumentedUpstreamApi[];
  clients: readonly DownstreamClientApi[];
  /** Responses each client parsed, by client id ('c1', ...). */
  responses: ReadonlyMap<string, ParsedResponse[]>;
}

/**
 * A property of event order or content that every HTTP/1.1 reverse proxy must keep, whatever the scenario.
 * `exercised` counts the cases it actually examined, so a scenario can show it did not hold vacuously.
 */
export interface Invariant {
  id: string;
  statement: string;
  check(ctx: InvariantContext): { exercised: number; violations: string[] };
}

export interface InvariantResult {
  id: string;
  statement: string;
  exercised: number;
  violations: string[];
}
