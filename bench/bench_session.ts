import type { BenchOptions } from './bench_options';
import { ChildRegistry } from './child_registry';
import { type LoadFigures, type LoadRun, startLoad } from './load_generator';
import { ORIGIN_RESPONSE_BODY } from './origin';
import type { BenchPeer } from './peers/peer';

/** Thrown out of the run once Ctrl-C (or SIGTERM) was received. */
export class Interrupted extends Error {}

/** What an interruption must reach: every child process and the load run in progress. */
export class BenchSession {
  readonly children = new ChildRegistry();
  private currentLoad: LoadRun | undefined;
  private interruptedFlag = false;

  constructor(readonly options: BenchOptions) {}

  get interrupted(): boolean {
    return this.interruptedFlag;
  }

  /** Ends the load run and the children at once; a peer still starting then fails fast instead of timing out. */
  interrupt(): void {
    this.interruptedFlag = true;
    this.currentLoad?.stop();
    void this.children.stopAll();
  }

  throwIfInterrupted(): void {
    if (this.interruptedFlag) throw new Interrupted('interrupted');
  }

  /** One autocannon run against peer with the session's connection settings. */
  async load(peer: BenchPeer, seconds: number): Promise<LoadFigures> {
    this.throwIfInterrupted();
    const run = startLoad({
      url: peer.url,
      connections: this.options.connections,
      pipelining: this.options.pipelining,
      durationSeconds: seconds,
      expectBody: ORIGIN_RESPONSE_BODY,
    });
    this.currentLoad = run;
    try {
      return await run.result;
    } finally {
      this.currentLoad = undefined;
      this.throwIfInterrupted();
    }
  }
}

export function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}
