import type { ProxyEndpoint } from '../adapters/adapter';
import { canConnect } from '../adapters/free_port';

/**
 * The listener of a proxy container that is reconfigured in place: each scenario listens on a port its predecessor
 * did not use, so readiness (a TCP connect to the new port) cannot be answered by the previous configuration.
 * The container has its own network namespace, so no other process can hold these ports.
 */

export const SCENARIO_FIRST_PORT = 10_000;
const PORT_RANGE = 20_000;
const POLL_MS = 10;

/** The listener port of the n-th scenario (from 0). */
export function scenarioPort(n: number): number {
  return SCENARIO_FIRST_PORT + (n % PORT_RANGE);
}

/** Polls until `endpoint` accepts a TCP connection; rejects, naming `what`, after `timeoutMs`. */
export async function waitForListener(endpoint: ProxyEndpoint, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await canConnect(endpoint.host, endpoint.port))) {
    if (Date.now() > deadline)
      throw new Error(`${what}: ${endpoint.host}:${endpoint.port} not accepting within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
