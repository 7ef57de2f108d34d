import { EventEmitter } from 'node:events';
import type { TimelineApi } from '../api';
import { escapeBytes, escapeBytesCut } from '../util/escape';
import type { TimelineEvent } from './event';

/** Which events a query or wait is about; every given field must match. */
export interface EventFilter {
  actor?: string;
  kind?: string | string[];
  conn?: string;
  /** Extra condition (e.g. on detail); an extension of the API's filter. */
  where?: (e: TimelineEvent) => boolean;
}

export function matches(e: TimelineEvent, f: EventFilter): boolean {
  if (f.actor !== undefined && e.actor !== f.actor) return false;
  if (f.conn !== undefined && e.conn !== f.conn) return false;
  if (f.kind !== undefined) {
    if (Array.isArray(f.kind) ? !f.kind.includes(e.kind) : e.kind !== f.kind) return false;
  }
  if (f.where && !f.where(e)) return false;
  return true;
}

export function describeFilter(f: EventFilter): string {
  const parts: string[] = [];
  if (f.actor !== undefined) parts.push(`actor=${f.actor}`);
  if (f.conn !== undefined) parts.push(`conn=${f.conn}`);
  if (f.kind !== undefined) parts.push(`kind=${Array.isArray(f.kind) ? f.kind.join('|') : f.kind}`);
  if (f.where) parts.push('where=<predicate>');
  return `{${parts.join(' ')}}`;
}

/**
 * The suite's single clock and event log. Events stay sorted by t: local events are appended (the clock is
 * monotonic), remote and proxy events are merged in at their place. Waiters are woken by an emitter, never by
 * polling.
 */
export class Timeline implements TimelineApi {
  private readonly list: TimelineEvent[] = [];
  private readonly emitter = new EventEmitter();
  /** Per-actor counters for connection ids ('c1', 'c2', ...). */
  private readonly counters = new Map<string, number>();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  now(): bigint {
    return process.hrtime.bigint();
  }

  /** Next value of a named counter, from 1 (used for connection ids unique in this timeline). */
  nextId(counter: string): number {
    const n = (this.counters.get(counter) ?? 0) + 1;
    this.counters.set(counter, n);
    return n;
  }

  record(e: Omit<TimelineEvent, 't'> & { t?: bigint }): TimelineEvent {
    const event: TimelineEvent = { ...e, t: e.t ?? this.now() };
    this.insert(event);
    this.emitter.emit('events', [event]);
    return event;
  }

  merge(events: TimelineEvent[]): void {
    if (events.length === 0) return;
    for (const e of events) this.insert(e);
    this.emitter.emit(
      'events',
      [...events].sort((a, b) => cmp(a.t, b.t)),
    );
  }

  events(filter: EventFilter = {}): TimelineEvent[] {
    return this.list.filter((e) => matches(e, filter));
  }

  first(filter: EventFilter): TimelineEvent | undefined {
    return this.list.find((e) => matches(e, filter));
  }

  last(filter: EventFilter): TimelineEvent | undefined {
    for (let i = this.list.length - 1; i >= 0; i--) if (matches(this.list[i], filter)) return this.list[i];
    return undefined;
  }

  count(filter: EventFilter): number {
    let n = 0;
    for (const e of this.list) if (matches(e, filter)) n++;
    return n;
  }

  /**
   * True when the first event matching `a` is strictly earlier than the first matching `b`. False when either is
   * missing (an ordering claim about an event that never happened does not hold).
   */
  happensBefore(a: EventFilter, b: EventFilter): boolean {
    const ea = this.first(a);
    const eb = this.first(b);
    return ea !== undefined && eb !== undefined && ea.t < eb.t;
  }

  /** Events strictly between two times (e.g. what the proxy did between two client sends). */
  between(from: bigint, to: bigint, filter: EventFilter = {}): TimelineEvent[] {
    return this.list.filter((e) => e.t > from && e.t < to && matches(e, filter));
  }

  waitFor(filter: EventFilter, timeoutMs: number): Promise<TimelineEvent> {
    const seen = this.first(filter);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const onEvents = (added: TimelineEvent[]) => {
        const hit = added.find((e) => matches(e, filter));
        if (!hit) return;
        clearTimeout(timer);
        this.emitter.off('events', onEvents);
        resolve(hit);
      };
      const timer = setTimeout(() => {
        this.emitter.off('events', onEvents);
        reject(
          new Error(
            `timeline: no event ${describeFilter(filter)} within ${timeoutMs} ms; last events:\n` +
              this.format({ lastN: 15 }),
          ),
        );
      }, timeoutMs);
      this.emitter.on('events', onEvents);
    });
  }

  /** Calls `listener` for every event recorded or merged from now on; returns the unsubscribe function. */
  subscribe(listener: (e: TimelineEvent) => void): () => void {
    const onEvents = (added: TimelineEvent[]) => {
      for (const e of added) listener(e);
    };
    this.emitter.on('events', onEvents);
    return () => this.emitter.off('events', onEvents);
  }

  /**
   * One line per event: `+12.345ms client c1 send 78B "GET / HTTP/1.1\r\n..."`, times relative to the first event.
   * `lastN` keeps only the tail (for timeout messages).
   */
  format(opts: { lastN?: number; maxBytes?: number } = {}): string {
    if (this.list.length === 0) return '(no events)';
    const t0 = this.list[0].t;
    const shown = opts.lastN !== undefined ? this.list.slice(-opts.lastN) : this.list;
    const actorWidth = Math.max(...shown.map((e) => e.actor.length));
    const connWidth = Math.max(...shown.map((e) => (e.conn ?? '-').length));
    return shown
      .map((e) => {
        let line = `${relMs(e.t, t0).padStart(11)} ${e.actor.padEnd(actorWidth)} ${(e.conn ?? '-').padEnd(connWidth)} ${e.kind}`;
        if (e.bytes) line += ` ${e.bytes.length}B "${escapeBytesCut(e.bytes, opts.maxBytes ?? 160)}"`;
        const detail = formatDetail(e.detail);
        if (detail) line += ` ${detail}`;
        return line;
      })
      .join('\n');
  }

  /**
   * Per connection, every byte both ways in order, escaped and split after each LF so head sections read
   * line by line. Meant as a failure attachment.
   */
  exchangeReport(opts: { maxBytesPerEvent?: number } = {}): string {
    const max = opts.maxBytesPerEvent ?? 64 * 1024;
    if (this.list.length === 0) return '(no events)';
    const t0 = this.list[0].t;
    const byConn = new Map<string, TimelineEvent[]>();
    for (const e of this.list) {
      if (!e.conn || !e.bytes || (e.kind !== 'send' && e.kind !== 'recv')) continue;
      const l = byConn.get(e.conn) ?? [];
      l.push(e);
      byConn.set(e.conn, l);
    }
    if (byConn.size === 0) return '(no bytes exchanged)';
    const out: string[] = [];
    for (const [conn, evs] of byConn) {
      const sent = evs.filter((e) => e.kind === 'send').reduce((n, e) => n + (e.bytes?.length ?? 0), 0);
      const recv = evs.filter((e) => e.kind === 'recv').reduce((n, e) => n + (e.bytes?.length ?? 0), 0);
      out.push(`== ${conn} (${evs[0].actor}): sent ${sent}B, received ${recv}B ==`);
      for (const e of evs) {
        const bytes = e.bytes as Buffer;
        out.push(`${relMs(e.t, t0)} ${e.kind === 'send' ? '>> send' : '<< recv'} ${bytes.length}B`);
        const shown = bytes.length > max ? null : bytes;
        if (shown === null) {
          out.push(`   ${escapeBytesCut(bytes, 1024)}`);
          continue;
        }
        for (const line of splitAfterLf(shown)) out.push(`   ${escapeBytes(line)}`);
      }
    }
    const closes = this.list.filter((e) => e.kind === 'closed' || e.kind === 'reset');
    if (closes.length > 0) {
      out.push('== connection ends ==');
      for (const e of closes)
        out.push(`${relMs(e.t, t0)} ${e.actor} ${e.conn ?? '-'} ${e.kind} ${formatDetail(e.detail)}`.trimEnd());
    }
    return out.join('\n');
  }

  private insert(e: TimelineEvent): void {
    const l = this.list;
    if (l.length === 0 || l[l.length - 1].t <= e.t) {
      l.push(e);
      return;
    }
    // Upper bound: an event lands after every event with the same time, so equal times keep arrival order.
    let lo = 0;
    let hi = l.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (l[mid].t <= e.t) lo = mid + 1;
      else hi = mid;
    }
    l.splice(lo, 0, e);
  }
}

function cmp(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `+12.345ms` (negative when an event precedes the reference time). */
export function relMs(t: bigint, t0: bigint): string {
  const d = t - t0;
  const sign = d < 0n ? '-' : '+';
  const abs = d < 0n ? -d : d;
  const us = abs / 1000n;
  return `${sign}${us / 1000n}.${(us % 1000n).toString().padStart(3, '0')}ms`;
}

function formatDetail(d: TimelineEvent['detail']): string {
  if (!d) return '';
  return Object.entries(d)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' && /[\s"=]/.test(v) ? JSON.stringify(v) : String(v)}`)
    .join(' ');
}

function splitAfterLf(b: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < b.length; i++) {
    if (b[i] === 0x0a) {
      parts.push(b.subarray(start, i + 1));
      start = i + 1;
    }
  }
  if (start < b.length) parts.push(b.subarray(start));
  return parts;
}
