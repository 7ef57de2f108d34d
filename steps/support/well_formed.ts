/**
 * Is a request, as an upstream received it on the wire, unambiguous? This is the safety half of every
 * request-smuggling scenario: whatever a proxy accepts, it must forward in a form that any recipient frames the
 * same way (RFC 9112 sections 2.2, 5, 6.1, 6.3, 7.1). Returns what is wrong, empty when nothing is.
 */

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const REQUEST_LINE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+ [\x21-\x7e\x80-\xff]+ HTTP\/\d\.\d$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const CHUNK_SIZE_LINE = /^[0-9a-fA-F]+(?:[ \t]*;[\t\x20-\x7e\x80-\xff]*)?$/;

export function wellFormedProblems(raw: Buffer): string[] {
  const problems: string[] = [];
  const text = raw.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return ['the head is not terminated by CRLF CRLF'];
  const head = text.slice(0, end + 2);
  if (/[^\r]\n/.test(head) || head.startsWith('\n')) problems.push('a line of the head ends with a bare LF');
  if (/\r(?!\n)/.test(head)) problems.push('the head contains a bare CR');
  const lines = head.split('\r\n').slice(0, -1);
  if (!REQUEST_LINE.test(lines[0] ?? '')) problems.push(`malformed request line ${JSON.stringify(lines[0])}`);
  const fields: Array<[string, string]> = [];
  for (const line of lines.slice(1)) {
    if (/^[ \t]/.test(line)) {
      problems.push(`obs-fold line ${JSON.stringify(line)}`);
      continue;
    }
    const colon = line.indexOf(':');
    const name = colon < 0 ? line : line.slice(0, colon);
    if (colon < 0 || !TOKEN.test(name)) {
      problems.push(`invalid field line ${JSON.stringify(line)} (name must be a token followed directly by ':')`);
      continue;
    }
    const value = line.slice(colon + 1).trim();
    if (!FIELD_VALUE.test(value))
      problems.push(`field ${name} has a control byte in its value ${JSON.stringify(value)}`);
    fields.push([name.toLowerCase(), value]);
  }
  const cl = fields.filter(([n]) => n === 'content-length');
  const te = fields.filter(([n]) => n === 'transfer-encoding');
  if (cl.length > 1) problems.push(`${cl.length} Content-Length field lines`);
  for (const [, v] of cl) if (!/^\d+$/.test(v)) problems.push(`Content-Length ${JSON.stringify(v)} is not one number`);
  if (cl.length > 0 && te.length > 0) problems.push('both Content-Length and Transfer-Encoding');
  if (te.length > 0) {
    const codings = te
      .flatMap(([, v]) => v.split(','))
      .map((c) => c.trim().toLowerCase())
      .filter((c) => c !== '');
    if (codings[codings.length - 1] !== 'chunked')
      problems.push(`Transfer-Encoding ${JSON.stringify(codings.join(', '))} does not end with chunked`);
    if (codings.filter((c) => c === 'chunked').length > 1) problems.push('chunked applied more than once');
    if (codings[codings.length - 1] === 'chunked') problems.push(...chunkedBodyProblems(text.slice(end + 4)));
  }
  return problems;
}

/** Checks the chunk framing present so far (a body still arriving is not a problem; a bad size line is). */
function chunkedBodyProblems(body: string): string[] {
  let pos = 0;
  for (;;) {
    const eol = body.indexOf('\n', pos);
    if (eol < 0) return [];
    const line = body.slice(pos, eol);
    if (!line.endsWith('\r')) return [`chunk-size line ${JSON.stringify(line)} ends with a bare LF`];
    const sizeLine = line.slice(0, -1);
    if (!CHUNK_SIZE_LINE.test(sizeLine)) return [`invalid chunk-size line ${JSON.stringify(sizeLine)}`];
    const size = Number.parseInt(sizeLine, 16);
    pos = eol + 1;
    if (size === 0) return trailerProblems(body.slice(pos));
    if (body.length < pos + size + 2) return [];
    if (body.slice(pos + size, pos + size + 2) !== '\r\n') return ['chunk data is not followed by CRLF'];
    pos += size + 2;
  }
}

function trailerProblems(rest: string): string[] {
  const end = rest.indexOf('\r\n\r\n');
  const section = rest.startsWith('\r\n') ? '' : end < 0 ? rest : rest.slice(0, end);
  if (/[^\r]\n/.test(section)) return ['a trailer line ends with a bare LF'];
  return [];
}
