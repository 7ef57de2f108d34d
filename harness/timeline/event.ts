/**
 * One event on the suite's single monotonic clock (process.hrtime.bigint(), CLOCK_MONOTONIC). The downstream
 * client, every instrumented upstream (in-process or an agent in another process or container on the same kernel)
 * and the proxy's own trace (where the proxy offers one) all record here, so ordering questions have answers.
 */
export interface TimelineEvent {
  /** Nanoseconds, process.hrtime.bigint(). */
  t: bigint;
  /** Who saw it: 'client', 'upstream:<name>' or 'proxy'. */
  actor: string;
  /**
   * What happened. Client: connect, send, recv, half_close, reset, closed, pause_read, resume_read,
   * response_complete. Upstream: accept, recv, request_headers, request_complete, send, response_complete,
   * closed, stop_read, resume_read. Proxy: the proxy's trace event name (e.g. read_disabled).
   */
  kind: string;
  /**
   * Connection id, unique in the timeline: 'c1', 'c2' for client connections, '<upstream>#1' for upstream
   * accepted connections, 'proxy:cx3' / 'proxy:ucx2' for proxy-side ids.
   */
  conn?: string;
  /** Bytes sent/received for send/recv events (kept for the failure report). */
  bytes?: Buffer;
  /** Anything else: request index, status, reason, peer port, who closed, how (fin/rst). */
  detail?: Record<string, string | number | boolean | undefined>;
}

export type Actor = 'client' | 'proxy' | `upstream:${string}`;
