/**
 * The bench's origin: a tiny keep-alive HTTP/1.1 server, run as its own process (so its event loop is not shared with
 * the load generator) by `bench/peers/origin_peer.ts`.
 *
 *   node -r ts-node/register/transpile-only bench/origin.ts [--listen 127.0.0.1:0] [--exit-with-stdin]
 *
 * It prints `origin listening on HOST:PORT` once bound. It parses just enough of a request to answer it: requests are
 * assumed to be body-less GETs, so each end of a header block ("\r\n\r\n") is one request, and each gets the same
 * fixed response. That keeps the origin far cheaper than any proxy in front of it, so the proxy is what is measured.
 * With --exit-with-stdin it exits when its stdin closes, so it does not outlive a bench that was killed.
 */
import net from 'node:net';

export const ORIGIN_RESPONSE_BODY = 'hello, world\n';
const RESPONSE = Buffer.from(
  `HTTP/1.1 200 OK\r\ncontent-length: ${Buffer.byteLength(ORIGIN_RESPONSE_BODY)}\r\n\r\n${ORIGIN_RESPONSE_BODY}`,
);
const HEADER_END = Buffer.from('\r\n\r\n');
/** A header block larger than this without its end is not a request this origin serves. */
const MAX_HEADER_BYTES = 64 * 1024;

/** Counts complete header blocks across chunk boundaries. */
export class RequestCounter {
  private carry: Buffer = Buffer.alloc(0);

  /** Returns how many requests ended in this chunk, or -1 if the pending header block is too large. */
  push(chunk: Buffer): number {
    const data = this.carry.length === 0 ? chunk : Buffer.concat([this.carry, chunk]);
    let count = 0;
    let start = 0;
    for (;;) {
      const end = data.indexOf(HEADER_END, start);
      if (end < 0) break;
      count++;
      start = end + HEADER_END.length;
    }
    this.carry = data.subarray(start);
    if (this.carry.length > MAX_HEADER_BYTES) return -1;
    // Only the unfinished header block is kept; copy it so the chunk it came from can be freed.
    if (this.carry.length > 0) this.carry = Buffer.from(this.carry);
    return count;
  }
}

function responsesFor(count: number): Buffer {
  return count === 1 ? RESPONSE : Buffer.concat(Array.from({ length: count }, () => RESPONSE));
}

export function startOrigin(host: string, port: number): Promise<net.Server> {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    const counter = new RequestCounter();
    socket.on('data', (chunk: Buffer) => {
      const count = counter.push(chunk);
      if (count < 0) {
        socket.end('HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
        return;
      }
      if (count > 0) socket.write(responsesFor(count));
    });
    // A peer reset is normal at the end of a load run.
    socket.on('error', () => socket.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => resolve(server));
  });
}

function parseListen(argv: readonly string[]): { host: string; port: number } {
  const index = argv.indexOf('--listen');
  const value = index >= 0 ? argv[index + 1] : '127.0.0.1:0';
  const match = value?.match(/^(.+):(\d+)$/);
  if (match === null || match === undefined) {
    throw new Error(`origin: --listen expects HOST:PORT (for example 127.0.0.1:0), got "${value ?? ''}"`);
  }
  return { host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port: Number(match[2]) };
}

async function main(): Promise<void> {
  const { host, port } = parseListen(process.argv.slice(2));
  const server = await startOrigin(host, port);
  const address = server.address() as net.AddressInfo;
  process.stdout.write(`origin listening on ${address.address}:${address.port}\n`);
  if (process.argv.includes('--exit-with-stdin')) {
    process.stdin.on('end', () => process.exit(0));
    process.stdin.on('error', () => process.exit(0));
    process.stdin.resume();
  }
  process.on('SIGTERM', () => process.exit(0));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  });
}
