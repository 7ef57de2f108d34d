/**
 * A response the client parsed or a request an upstream received, seen through one shape so that header, body
 * and framing steps work on both.
 */

import { type ConformanceWorld, type MessageRef, WAIT_MS } from '../world';
import { describeRequest, describeResponse, describeUpstream } from './describe';

export interface MessageView {
  label: string;
  headers: Array<[string, string]>;
  trailers: Array<[string, string]>;
  body: Buffer;
  framing: string;
  complete: boolean;
  method?: string;
  target?: string;
  version: string;
  /** Responses only. */
  status?: number;
  informational?: Array<{ status: number }>;
  /** Everything observed about this message, for failure messages. */
  observed: string;
}

export async function messageView(world: ConformanceWorld, ref: MessageRef): Promise<MessageView> {
  if (ref.kind === 'response') {
    const r = await world.response(ref);
    const client = world.client(ref.client);
    return {
      label: ref.label,
      headers: r.headers,
      trailers: r.trailers,
      body: r.body,
      framing: r.framing,
      complete: r.complete,
      version: r.version,
      status: r.status,
      informational: r.informational,
      observed: `${describeResponse(r)}\n  (client ${client.id} connection: ${client.closed === 'open' ? 'open' : `closed, ${client.closed}`})`,
    };
  }
  const u = world.requireUpstream(ref.upstream);
  await u.waitForRequests(ref.index + 1, WAIT_MS).catch(() => undefined);
  const r = u.requests[ref.index];
  if (!r)
    throw new Error(
      `${ref.label}: upstream "${ref.upstream}" received no request ${ref.index + 1}\n${describeUpstream(u)}`,
    );
  return {
    label: ref.label,
    headers: r.headers,
    trailers: r.trailers,
    body: r.body,
    framing: r.framing,
    complete: r.complete,
    method: r.method,
    target: r.target,
    version: r.version,
    observed: describeRequest(r),
  };
}

/** All values of a field, combined as RFC 9110 section 5.3 allows (comma-joined, in order); undefined if absent. */
export function fieldValue(fields: Array<[string, string]>, name: string): string | undefined {
  const n = name.toLowerCase();
  const values = fields.filter(([k]) => k.toLowerCase() === n).map(([, v]) => v);
  return values.length === 0 ? undefined : values.join(', ');
}
