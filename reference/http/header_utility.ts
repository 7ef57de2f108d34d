import { randomUUID } from 'node:crypto';
import type { HeaderList } from '../codec/codec';

/**
 * Header transformations of the connection manager (Envoy ConnectionManagerUtility / HeaderUtility): hop-by-hop
 * removal both ways, forwarding headers on the request, Date / Server / Via on the response.
 * Every function returns a new list and keeps the order and case of the fields it does not touch; fields it adds
 * are lower-case, as Envoy writes them. They run once per request and once per response, so each is a single pass
 * over the fields (plus one for Connection's tokens) that copies the list once.
 */

type Direction = 'request' | 'response';

/**
 * Hop-by-hop fields never forwarded (RFC 9110 7.6.1), both ways: Connection and the fields it lists, Keep-Alive,
 * Proxy-Connection, Upgrade, and Transfer-Encoding (re-framed by the encoder); TE too on the request.
 * A switch rather than a Set: a Set lookup hashes each request's fresh name strings.
 */
function isFixedHopByHop(lower: string, direction: Direction): boolean {
  switch (lower) {
    case 'connection':
    case 'keep-alive':
    case 'proxy-connection':
    case 'transfer-encoding':
    case 'upgrade':
      return true;
    case 'te':
      return direction === 'request';
    default:
      return false;
  }
}

/** A request without Host cannot be forwarded as HTTP/1.1, whatever Connection says. */
const NEVER_NOMINATED = 'host';

/** Field names (lower-case) that the Connection fields nominate as hop-by-hop; undefined when there are none. */
function connectionNominated(headers: HeaderList): Set<string> | undefined {
  let nominated: Set<string> | undefined;
  for (let i = 0; i < headers.length; i++) {
    const [name, value] = headers[i];
    if (name.length !== 10 || name.toLowerCase() !== 'connection') continue;
    for (const raw of value.split(',')) {
      const token = raw.trim().toLowerCase();
      if (token.length === 0 || token === NEVER_NOMINATED) continue;
      if (nominated === undefined) nominated = new Set();
      nominated.add(token);
    }
  }
  return nominated;
}

function isHopByHop(lower: string, direction: Direction, nominated: Set<string> | undefined): boolean {
  return isFixedHopByHop(lower, direction) || nominated?.has(lower) === true;
}

/** Removes the fixed hop-by-hop fields and every field the Connection header names. */
export function removeHopByHop(headers: HeaderList, direction: Direction): HeaderList {
  const nominated = connectionNominated(headers);
  const out: HeaderList = [];
  for (let i = 0; i < headers.length; i++) {
    const field = headers[i];
    if (!isHopByHop(field[0].toLowerCase(), direction, nominated)) out.push(field);
  }
  return out;
}

/** Replaces the first field with this name (keeping its position and case) and removes the others; else appends. */
export function setHeader(headers: HeaderList, name: string, value: string): HeaderList {
  const lower = name.toLowerCase();
  let done = false;
  const out: HeaderList = [];
  for (const field of headers) {
    if (field[0].length !== lower.length || field[0].toLowerCase() !== lower) out.push(field);
    else if (!done) {
      out.push([field[0], value]);
      done = true;
    }
  }
  if (!done) out.push([lower, value]);
  return out;
}

/** Appends `value` to a list-valued field: to the last line with this name (`a, value`), or as a new line. */
export function appendToHeader(headers: HeaderList, name: string, value: string): HeaderList {
  const lower = name.toLowerCase();
  const out = headers.slice();
  appendAt(out, lastIndexOf(out, lower), lower, value);
  return out;
}

function lastIndexOf(headers: HeaderList, lower: string): number {
  for (let i = headers.length - 1; i >= 0; i--) {
    const n = headers[i][0];
    if (n.length === lower.length && n.toLowerCase() === lower) return i;
  }
  return -1;
}

/** In place: `value` appended to the line at `index`, or a new `lower: value` line when index is -1. */
function appendAt(headers: HeaderList, index: number, lower: string, value: string): void {
  if (index < 0) {
    headers.push([lower, value]);
    return;
  }
  const [n, existing] = headers[index];
  headers[index] = [n, existing.length > 0 ? `${existing}, ${value}` : value];
}

export interface RequestMutation {
  /** Downstream peer IP, appended to x-forwarded-for when `appendXff`. */
  remoteIp: string;
  appendXff: boolean;
  generateRequestId: boolean;
  via?: string;
}

/**
 * Request fields on their way upstream (Envoy mutateRequestHeaders): hop-by-hop removed, x-forwarded-for appended,
 * x-forwarded-proto set to http when absent, x-request-id generated when absent, Via appended when configured.
 */
export function mutateRequestHeaders(headers: HeaderList, m: RequestMutation): HeaderList {
  const nominated = connectionNominated(headers);
  const out: HeaderList = [];
  let xff = -1;
  let via = -1;
  let hasProto = false;
  let hasRequestId = false;
  for (let i = 0; i < headers.length; i++) {
    const field = headers[i];
    const lower = field[0].toLowerCase();
    if (isHopByHop(lower, 'request', nominated)) continue;
    if (lower === 'x-forwarded-for') xff = out.length;
    else if (lower === 'x-forwarded-proto') hasProto = true;
    else if (lower === 'x-request-id') hasRequestId = true;
    else if (lower === 'via') via = out.length;
    out.push(field);
  }
  if (m.appendXff && m.remoteIp) appendAt(out, xff, 'x-forwarded-for', m.remoteIp);
  if (!hasProto) out.push(['x-forwarded-proto', 'http']);
  if (m.generateRequestId && !hasRequestId) out.push(['x-request-id', randomUUID()]);
  if (m.via) appendAt(out, via, 'via', `1.1 ${m.via}`);
  return out;
}

export interface ResponseMutation {
  serverName: string;
  via?: string;
}

/**
 * Response fields on their way downstream: hop-by-hop removed, Date added when absent (the upstream's is kept),
 * Server overwritten (Envoy's default server_header_transformation), Via appended when configured.
 */
export function mutateResponseHeaders(headers: HeaderList, m: ResponseMutation): HeaderList {
  const nominated = connectionNominated(headers);
  const out: HeaderList = [];
  let server = -1;
  let via = -1;
  let hasDate = false;
  for (let i = 0; i < headers.length; i++) {
    const field = headers[i];
    const lower = field[0].toLowerCase();
    if (isHopByHop(lower, 'response', nominated)) continue;
    if (lower === 'server') {
      if (server >= 0) continue; // only the first Server line is kept (and overwritten)
      server = out.length;
    } else if (lower === 'date') hasDate = true;
    else if (lower === 'via') via = out.length;
    out.push(field);
  }
  if (!hasDate) out.push(['date', httpDate()]);
  if (server >= 0) out[server] = [out[server][0], m.serverName];
  else out.push(['server', m.serverName]);
  if (m.via) appendAt(out, via, 'via', `1.1 ${m.via}`);
  return out;
}

let cachedDateSecond = -1;
let cachedDate = '';

/** IMF-fixdate of now (RFC 9110 5.6.7), computed at most once per second. */
export function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== cachedDateSecond) {
    cachedDateSecond = second;
    cachedDate = new Date(second * 1000).toUTCString();
  }
  return cachedDate;
}
