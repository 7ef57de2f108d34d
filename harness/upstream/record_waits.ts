import { EventEmitter } from 'node:events';
import type { RequestRecord } from './request_parser';

/** What the waits read: an upstream's records, live (the arrays grow as events arrive). */
export interface WaitableRecords<C extends { id: string; tClosed?: bigint }> {
  readonly requests: readonly RequestRecord[];
  readonly connections: readonly C[];
}

/**
 * The waits every instrumented upstream offers (requests complete, connections accepted, a connection closed),
 * re-checked on each change its owner reports, bounded by a timeout whose error names what was awaited and the
 * last events seen. Shared by the in-process upstream and the agent-mirrored one, whose records differ only in
 * where their events come from.
 */
export class RecordWaits<C extends { id: string; tClosed?: bigint }> {
  private readonly emitter = new EventEmitter();

  constructor(
    private readonly records: WaitableRecords<C>,
    /** How timeouts name the upstream, e.g. `upstream app`. */
    private readonly label: string,
    /** The last events, for the timeout's message. */
    private readonly recentEvents: () => string,
  ) {
    this.emitter.setMaxListeners(0);
  }

  /** The owner's records changed: pending waits re-check. */
  changed(): void {
    this.emitter.emit('changed');
  }

  requests(count: number, timeoutMs: number): Promise<RequestRecord[]> {
    const complete = () => this.records.requests.filter((r) => r.complete);
    return this.until(
      () => {
        const done = complete();
        return done.length >= count ? done : undefined;
      },
      timeoutMs,
      () => `${count} complete request(s) (saw ${complete().length} complete, ${this.records.requests.length} started)`,
    );
  }

  connections(count: number, timeoutMs: number): Promise<C[]> {
    const all = this.records.connections;
    return this.until(
      () => (all.length >= count ? [...all] : undefined),
      timeoutMs,
      () => `${count} connection(s) (saw ${all.length})`,
    );
  }

  close(connId: string, timeoutMs: number): Promise<C> {
    const all = this.records.connections;
    return this.until(
      () => {
        const c = all.find((x) => x.id === connId);
        return c?.tClosed !== undefined ? c : undefined;
      },
      timeoutMs,
      () =>
        all.some((x) => x.id === connId)
          ? `connection ${connId} to close`
          : `connection ${connId} to close (no such connection; have ${all.map((c) => c.id).join(', ') || 'none'})`,
    );
  }

  /** Resolves with the first non-undefined value of `probe`, re-checked on every change; rejects on timeout. */
  until<T>(probe: () => T | undefined, timeoutMs: number, what: () => string): Promise<T> {
    const now = probe();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const check = () => {
        const v = probe();
        if (v === undefined) return;
        clearTimeout(timer);
        this.emitter.off('changed', check);
        resolve(v);
      };
      const timer = setTimeout(() => {
        this.emitter.off('changed', check);
        reject(
          new Error(
            `${this.label}: timed out after ${timeoutMs} ms waiting for ${what()}; last events:\n${this.recentEvents()}`,
          ),
        );
      }, timeoutMs);
      this.emitter.on('changed', check);
    });
  }
}
