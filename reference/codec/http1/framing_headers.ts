/** Validation of the two fields that decide message framing: Content-Length and Transfer-Encoding (RFC 9112 6). */
import { isToken } from './field_syntax';

export interface FramingProblem {
  status: number;
  details: string;
  message: string;
}

const DIGITS = /^[0-9]+$/;
const LEADING_ZEROS = /^0+(?=.)/;

/**
 * The single length named by every Content-Length field line (lists allowed when all members agree, RFC 9110 8.6).
 * Returns -1 when a member is not 1*DIGIT, the members differ, or the value exceeds 2^53 - 1.
 */
export function parseContentLength(values: string[]): number {
  // The usual case, one plain number: up to 15 digits is always a safe integer (leading zeros read as decimal).
  if (values.length === 1) {
    const only = values[0];
    if (only.length <= 15 && DIGITS.test(only)) return Number(only);
  }
  let result = -1;
  for (const value of values) {
    for (const member of value.split(',')) {
      const t = member.trim();
      if (!DIGITS.test(t)) return -1;
      const significant = t.replace(LEADING_ZEROS, '');
      // 16 digits already reach 2^53; more cannot be a safe integer.
      const n = significant.length > 16 ? Number.POSITIVE_INFINITY : Number(significant);
      if (!Number.isSafeInteger(n)) return -1;
      if (result !== -1 && n !== result) return -1;
      result = n;
    }
  }
  return result;
}

/** Lower-cased transfer-coding names in order, or null when a member is not a coding (params allowed after `;`). */
function codings(values: string[]): string[] | null {
  const out: string[] = [];
  for (const value of values) {
    for (const member of value.split(',')) {
      const t = member.trim();
      if (t.length === 0) continue; // empty list elements are legal and ignored (RFC 9110 5.6.1)
      const name = t.split(';', 1)[0].trim();
      if (!isToken(name)) return null;
      out.push(name.toLowerCase());
    }
  }
  return out;
}

/**
 * A request's Transfer-Encoding must be exactly `chunked`: chunked repeated or not last is a framing error (400),
 * any other coding is one the reference does not implement (501).
 */
export function checkRequestTransferEncoding(values: string[]): FramingProblem | null {
  const list = codings(values);
  if (list === null || list.length === 0) {
    return { status: 400, details: 'http1.invalid_transfer_encoding', message: 'malformed Transfer-Encoding' };
  }
  const chunkedCount = list.filter((c) => c === 'chunked').length;
  if (chunkedCount > 1) {
    return { status: 400, details: 'http1.invalid_transfer_encoding', message: 'chunked applied more than once' };
  }
  if (chunkedCount === 1 && list[list.length - 1] !== 'chunked') {
    return { status: 400, details: 'http1.invalid_transfer_encoding', message: 'chunked is not the final coding' };
  }
  if (list.length !== 1) {
    return {
      status: 501,
      details: 'http1.unsupported_transfer_encoding',
      message: `transfer coding not implemented: ${list.join(', ')}`,
    };
  }
  if (chunkedCount === 0) {
    return { status: 501, details: 'http1.unsupported_transfer_encoding', message: `${list[0]} not implemented` };
  }
  return null;
}

/** The response side is just as strict (any coding but a lone `chunked` is a protocol error); status is 502. */
export function checkResponseTransferEncoding(values: string[]): FramingProblem | null {
  const problem = checkRequestTransferEncoding(values);
  return problem && { ...problem, status: 502 };
}
