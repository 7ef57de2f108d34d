import type { TimelineEvent } from '../../timeline/event';

/** Bytes received or sent in pieces, each piece stamped with the timeline time it was seen. */
export interface TimedChunk {
  t: bigint;
  bytes: Buffer;
}

/**
 * One direction of one connection as a single buffer that still knows when each byte was seen, so an invariant
 * can ask "when did byte N of this body cross this socket?".
 */
export class TimedBytes {
  readonly buf: Buffer;
  /** Exclusive end offset of each chunk, ascending. */
  private readonly ends: number[] = [];
  private readonly times: bigint[] = [];

  constructor(chunks: readonly TimedChunk[]) {
    let end = 0;
    for (const c of chunks) {
      if (c.bytes.length === 0) continue;
      end += c.bytes.length;
      this.ends.push(end);
      this.times.push(c.t);
    }
    this.buf = Buffer.concat(
      chunks.map((c) => c.bytes),
      end,
    );
  }

  /** The send or recv events of one connection (events without bytes are ignored). */
  static fromEvents(events: readonly TimelineEvent[]): TimedBytes {
    return new TimedBytes(
      events.filter((e) => e.bytes !== undefined).map((e) => ({ t: e.t, bytes: e.bytes as Buffer })),
    );
  }

  get length(): number {
    return this.buf.length;
  }

  /** Time of the piece holding byte `offset`; undefined past the end. */
  timeAt(offset: number): bigint | undefined {
    if (offset < 0 || offset >= this.buf.length) return undefined;
    let lo = 0;
    let hi = this.ends.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ends[mid] > offset) hi = mid;
      else lo = mid + 1;
    }
    return this.times[lo];
  }

  /** Pieces as [start, end) offsets with their time, in order. */
  pieces(): Array<{ start: number; end: number; t: bigint }> {
    return this.ends.map((end, i) => ({ start: i === 0 ? 0 : this.ends[i - 1], end, t: this.times[i] }));
  }
}
