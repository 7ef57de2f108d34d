import * as net from 'node:net';

/** A bare TCP peer for tests: hands out accepted sockets in order and cleans up everything on close(). */
export class RawServer {
  private readonly accepted: net.Socket[] = [];
  private readonly waiting: Array<(s: net.Socket) => void> = [];
  private taken = 0;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {
    server.on('connection', (s) => {
      s.on('error', () => {});
      this.accepted.push(s);
      const w = this.waiting.shift();
      if (w) {
        this.taken++;
        w(s);
      }
    });
  }

  static async start(opts: net.ServerOpts = {}): Promise<RawServer> {
    const server = net.createServer(opts);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new RawServer(server, (server.address() as net.AddressInfo).port);
  }

  /** The next accepted socket not yet handed out. */
  next(): Promise<net.Socket> {
    if (this.taken < this.accepted.length) return Promise.resolve(this.accepted[this.taken++]);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  async close(): Promise<void> {
    for (const s of this.accepted) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Polls `cond` every `everyMs` until it holds; throws after `timeoutMs` with `what`. */
export async function until(cond: () => boolean, what: string, timeoutMs = 5000, everyMs = 5): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Resolves with everything a socket sends until it ends (FIN). */
export function readAll(s: net.Socket): Promise<Buffer> {
  const parts: Buffer[] = [];
  s.on('data', (b: Buffer) => parts.push(b));
  return new Promise((resolve) => s.once('end', () => resolve(Buffer.concat(parts))));
}

/** Resolves with the bytes received once at least `n` arrived. */
export function readAtLeast(s: net.Socket, n: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let total = 0;
  return new Promise((resolve) => {
    const onData = (b: Buffer) => {
      parts.push(b);
      total += b.length;
      if (total >= n) {
        s.off('data', onData);
        resolve(Buffer.concat(parts));
      }
    };
    s.on('data', onData);
  });
}
