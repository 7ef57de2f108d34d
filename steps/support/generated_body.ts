/**
 * Large bodies for flow-control and integrity scenarios: a fixed pattern, so a byte out of place is detectable and
 * a 64 MiB body costs one 64 KiB block of memory on the sending side.
 */
const PATTERN = 'abcdefghijklmnopqrstuvwxyz0123456789';
export const BLOCK_BYTES = 64 * 1024;

/** The block every generated body is cut from (its length is a multiple of nothing in particular: that is fine). */
export const BLOCK = Buffer.from(
  PATTERN.repeat(Math.ceil(BLOCK_BYTES / PATTERN.length)).slice(0, BLOCK_BYTES),
  'latin1',
);

/** The generated body of `n` bytes as blocks (the last one shorter); the blocks share memory. */
export function* generatedBlocks(n: number): Generator<Buffer> {
  for (let off = 0; off < n; off += BLOCK_BYTES) yield BLOCK.subarray(0, Math.min(BLOCK_BYTES, n - off));
}

/** The generated body of `n` bytes as one latin1 string (for a Reply body). */
export function generatedBodyString(n: number): string {
  const block = BLOCK.toString('latin1');
  return block.repeat(Math.floor(n / BLOCK_BYTES)) + block.slice(0, n % BLOCK_BYTES);
}

/** Offset of the first byte of `body` that differs from the generated body of the same length, or -1. */
export function firstDifferenceFromGenerated(body: Buffer): number {
  for (let off = 0; off < body.length; off += BLOCK_BYTES) {
    const part = body.subarray(off, off + BLOCK_BYTES);
    if (!part.equals(BLOCK.subarray(0, part.length))) {
      for (let i = 0; i < part.length; i++) if (part[i] !== BLOCK[i]) return off + i;
    }
  }
  return -1;
}
