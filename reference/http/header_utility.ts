import { randomUUID } from 'node:crypto';
import { type HeaderList, hasHeader, headerTokens } from '../codec/codec';

/**
 * Header transformations of the connection manager (Envoy ConnectionManagerUtility / HeaderUtility): hop-by-hop
 * removal both ways, forwarding headers on the request, Date / Server / Via on the response.
 * Every function returns a new list and keeps the order and case of the fields it does not touch; fields it adds
 * are lower-case, as Envoy writes them.
 */

/** Hop-by-hop fields never forwarded upstream (RFC 9110 7.6.1); Transfer-Encoding is re-framed by the encoder. */
const REQUEST_HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'upgrade', 'transfer-encoding'];
/** Hop-by-hop fields never forwarded downstream. */
const RESPONSE_HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade'];
/** A request without Host cannot be forwarded as HTTP/1.1, whatever Connection says. */
const NEVER_NOMINATED = new Set(['host']);

/** Removes the fixed hop-by-hop fields and every field the Connection header names. */
export function removeHopByHop(headers: HeaderList, direction: 'request' | 'response'): HeaderList {
  const drop = new Set(direction === 'request' ? REQUEST_HOP_BY_HOP : RESPONSE_HOP_BY_HOP);
  for (const token of headerTokens(headers, 'connection')) if (!NEVER_NOMINATED.has(token)) drop.add(token);
  return headers.filter(([name]) => !drop.has(name.toLowerCase()));
}

/** Replaces the first field with this name (keeping its position and case) and removes the others; else appends. */
export function setHeader(headers: HeaderList, name: string, value: string): HeaderList {
  const lower = name.toLowerCase();
  let done = false;
  const out: HeaderList = [];
  for (const field of headers) {
    if (field[0].toLowerCase() !== lower) out.push(field);
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
  for (let i = headers.length - 1; i >= 0; i--) {
    if (headers[i][0].toLowerCase() === lower) {
      const out = headers.slice();
      const existing = out[i][1];
      out[i] = [out[i][0], existing.length > 0 ? `${existing}, ${value}` : value];
      return out;
    }
  }
  return [...headers, [lower, value]];
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
  let out = removeHopByHop(headers, 'request');
  if (m.appendXff && m.remoteIp) out = appendToHeader(out, 'x-forwarded-for', m.remoteIp);
  if (!hasHeader(out, 'x-forwarded-proto')) out.push(['x-forwarded-proto', 'http']);
  if (m.generateRequestId && !hasHeader(out, 'x-request-id')) out.push(['x-request-id', randomUUID()]);
  if (m.via) out = appendToHeader(out, 'via', `1.1 ${m.via}`);
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
  let out = removeHopByHop(headers, 'response');
  if (!hasHeader(out, 'date')) out.push(['date', httpDate()]);
  out = setHeader(out, 'server', m.serverName);
  if (m.via) out = appendToHeader(out, 'via', `1.1 ${m.via}`);
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
