/**
 * Collects the body slices one dispatch() produces so the decoder gets one decodeData per dispatch, the last one
 * flagged endStream (Envoy: body bytes are passed on once per dispatch call and at message complete).
 * Nothing is held across dispatch calls: the codec drains the batch when its dispatch ends.
 */
export class BodyBatch {
  private slices: Buffer[] = [];
  private bytes = 0;

  add(slice: Buffer): void {
    this.slices.push(slice);
    this.bytes += slice.length;
  }

  get empty(): boolean {
    return this.slices.length === 0;
  }

  /** The collected bytes as one buffer (no copy when there is a single slice); the batch is emptied. */
  take(): Buffer {
    const slices = this.slices;
    const bytes = this.bytes;
    this.slices = [];
    this.bytes = 0;
    if (slices.length === 1) return slices[0];
    return slices.length === 0 ? EMPTY : Buffer.concat(slices, bytes);
  }
}

const EMPTY = Buffer.alloc(0);
