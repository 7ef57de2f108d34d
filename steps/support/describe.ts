/**
 * What was actually observed, as text for failure messages: a step that fails says what it saw, not only what it
 * expected.
 */
import type { InstrumentedUpstreamApi } from '../../harness/api';
import type { ParsedResponse } from '../../harness/client/types';
import type { UpstreamRequestRecord } from '../../harness/upstream/script';
import { escapeBytes, escapeBytesCut } from '../../harness/util/escape';

function headerLines(headers: Array<[string, string]>, indent: string): string {
  return headers.map(([n, v]) => `${indent}${n}: ${escapeBytes(Buffer.from(v, 'latin1'))}`).join('\n');
}

export function describeResponse(r: ParsedResponse | undefined): string {
  if (!r) return '  (no response)';
  const out = [
    `  ${r.version} ${r.status} ${r.reason}  [framing=${r.framing} complete=${r.complete}${
      r.parseError ? ` parseError=${JSON.stringify(r.parseError)}` : ''
    }]`,
  ];
  for (const i of r.informational) out.push(`  (interim ${i.status} ${i.reason})`);
  if (r.headers.length > 0) out.push(headerLines(r.headers, '  '));
  out.push(`  body ${r.body.length}B: "${escapeBytesCut(r.body, 200)}"`);
  if (r.trailers.length > 0) out.push(`  trailers:\n${headerLines(r.trailers, '    ')}`);
  return out.join('\n');
}

export function describeResponses(clientId: string, list: ParsedResponse[], received: Buffer): string {
  const out = [`client ${clientId} parsed ${list.length} response(s):`];
  for (const [i, r] of list.entries()) out.push(` #${i + 1}\n${describeResponse(r)}`);
  out.push(`client ${clientId} received ${received.length}B in all: "${escapeBytesCut(received, 400)}"`);
  return out.join('\n');
}

export function describeRequest(r: UpstreamRequestRecord): string {
  return [
    `  [${r.connId} #${r.index}] ${r.method} ${r.target} ${r.version}  [framing=${r.framing} complete=${r.complete}]`,
    headerLines(r.headers, '    '),
    `    body ${r.body.length}B: "${escapeBytesCut(r.body, 160)}"`,
  ]
    .filter((l) => l !== '')
    .join('\n');
}

export function describeUpstream(u: InstrumentedUpstreamApi): string {
  const out = [`upstream ${u.name} (${u.host}:${u.port}): ${u.connections.length} connection(s)`];
  for (const c of u.connections) {
    const end = c.tClosed === undefined ? 'open' : `closed by ${c.closedBy} (${c.closeHow})`;
    out.push(` ${c.id} from port ${c.peerPort}, ${end}, ${c.requests.length} request(s), ${c.received.length}B`);
  }
  for (const r of u.requests) out.push(describeRequest(r));
  return out.join('\n');
}

/** Every byte each upstream received, escaped, for the failure attachment. */
export function upstreamBytesReport(upstreams: readonly InstrumentedUpstreamApi[]): string {
  if (upstreams.length === 0) return '(no upstreams)';
  const out: string[] = [];
  for (const u of upstreams) {
    out.push(describeUpstream(u));
    for (const c of u.connections) out.push(` == ${c.id} received ==\n   ${escapeBytesCut(c.received, 8192)}`);
  }
  return out.join('\n');
}
