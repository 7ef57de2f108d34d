/** Field syntax shared by header and trailer sections (RFC 9110 5.1, 5.5; RFC 9112 5). */

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Field values may hold HTAB, visible ASCII, SP and obs-text; any other control character is refused. */
const VALUE_INVALID = /[\x00-\x08\x0a-\x1f\x7f]/;

export function isToken(s: string): boolean {
  return TOKEN.test(s);
}

/**
 * Parses one field line (CRLF already removed). Returns [name, value] with OWS trimmed from the value, or the
 * response-code detail naming what is wrong.
 */
export function parseFieldLine(line: string): [string, string] | string {
  const first = line.charCodeAt(0);
  // A line starting with whitespace is obs-fold (or whitespace before the first field): RFC 9112 5.2 lets us reject.
  if (first === 0x20 || first === 0x09) return 'http1.obs_fold_not_allowed';
  const colon = line.indexOf(':');
  if (colon <= 0) return 'http1.invalid_header_name';
  const name = line.slice(0, colon);
  // Also catches whitespace between the name and the colon (RFC 9112 5.1: MUST reject).
  if (!TOKEN.test(name)) return 'http1.invalid_header_name';
  let start = colon + 1;
  let end = line.length;
  while (start < end && isOws(line.charCodeAt(start))) start++;
  while (end > start && isOws(line.charCodeAt(end - 1))) end--;
  const value = line.slice(start, end);
  if (VALUE_INVALID.test(value)) return 'http1.invalid_characters';
  return [name, value];
}

function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09;
}
