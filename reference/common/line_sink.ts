import { closeSync, openSync, writeSync } from 'node:fs';

/**
 * Buffered line output for the trace and the access log: lines are joined and written in batches (at most
 * FLUSH_BYTES buffered or FLUSH_MS old), so that logging costs one syscall per batch, not one per line.
 */
export interface LineSink {
  /** `line` without its newline. */
  write(line: string): void;
  flush(): void;
  /** Flushes and releases the file; resolves once stdout has taken the bytes. */
  close(): Promise<void>;
}

const FLUSH_BYTES = 64 * 1024;
const FLUSH_MS = 50;

abstract class BufferedSink implements LineSink {
  private chunks: string[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly exitFlush = () => this.flush();
  private failed = false;

  constructor() {
    // A crash or process.exit() still writes what was buffered (synchronously, for files).
    process.on('exit', this.exitFlush);
  }

  protected abstract output(data: string): void;

  write(line: string): void {
    this.chunks.push(line, '\n');
    this.bytes += line.length + 1;
    if (this.bytes >= FLUSH_BYTES) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), FLUSH_MS).unref();
  }

  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.chunks.length === 0) return;
    const data = this.chunks.join('');
    this.chunks = [];
    this.bytes = 0;
    try {
      this.output(data);
    } catch (err) {
      // Logging must never take the proxy down (disk full, closed pipe): say so once, then drop lines.
      if (!this.failed)
        process.stderr.write(`reference: log output failed, lines dropped: ${(err as Error).message}\n`);
      this.failed = true;
    }
  }

  async close(): Promise<void> {
    this.flush();
    process.off('exit', this.exitFlush);
    await this.release();
  }

  protected abstract release(): Promise<void>;
}

class FileSink extends BufferedSink {
  constructor(private fd: number | undefined) {
    super();
  }

  protected output(data: string): void {
    if (this.fd !== undefined) writeSync(this.fd, data);
  }

  protected async release(): Promise<void> {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

let stdoutGuarded = false;

class StdoutSink extends BufferedSink {
  constructor() {
    super();
    // A reader that went away (EPIPE) must not crash the proxy through an unhandled 'error' event.
    if (!stdoutGuarded) process.stdout.on('error', () => undefined);
    stdoutGuarded = true;
  }

  protected output(data: string): void {
    process.stdout.write(data);
  }

  protected release(): Promise<void> {
    // An empty write's callback runs once everything queued before it has been handed to the OS.
    return new Promise((resolve) => process.stdout.write('', () => resolve()));
  }
}

export class SinkOpenError extends Error {}

/**
 * Opens `path` ('-' = stdout). `append` keeps what the file holds (access logs, like Envoy's); otherwise the
 * file is truncated (one trace per run). Throws SinkOpenError naming `what` and the path.
 */
export function openLineSink(path: string, what: string, append: boolean): LineSink {
  if (path === '-') return new StdoutSink();
  try {
    return new FileSink(openSync(path, append ? 'a' : 'w'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new SinkOpenError(`${what}: cannot open "${path}" for writing (${e.code ?? e.message})`);
  }
}
