/**
 * Byte escaping for human-readable reports: printable ASCII as is, \r \n \t \\ \" escaped, everything else \xNN.
 * Reports must show exactly what went over the wire, so nothing is decoded as UTF-8.
 */

export function escapeBytes(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) {
    if (b === 0x0d) out += '\\r';
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x09) out += '\\t';
    else if (b === 0x5c) out += '\\\\';
    else if (b === 0x22) out += '\\"';
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += '\\x' + b.toString(16).padStart(2, '0');
  }
  return out;
}

/**
 * Escaped and, when longer than `max` bytes, cut in the middle: the head and tail stay (that is where request
 * lines, headers and terminating chunks are) and the gap says how many bytes were left out.
 */
export function escapeBytesCut(bytes: Buffer, max = 160): string {
  if (bytes.length <= max) return escapeBytes(bytes);
  const head = Math.ceil((max * 2) / 3);
  const tail = max - head;
  const omitted = bytes.length - head - tail;
  return (
    escapeBytes(bytes.subarray(0, head)) + `...[${omitted} bytes]...` + escapeBytes(bytes.subarray(bytes.length - tail))
  );
}

/** Turns a string or Buffer into bytes; strings are taken as latin1 so every char is one byte, as on the wire. */
export function toBytes(data: Buffer | string): Buffer {
  return typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
}
