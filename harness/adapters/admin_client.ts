import * as http from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { TraceEvent } from '../../reference/trace/trace_event';

/** A listener as the reference's admin reports it after POST /config. */
export interface BoundListener {
  name: string;
  address: string;
  port: number;
}

export interface AdminResponse {
  status: number;
  body: string;
}

/** The admin answered, but not with success: the status and body say why. */
export class AdminError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(message);
  }
}

/** Where an admin API listens. */
export interface AdminAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * One request to an admin API on a connection of its own (no keep-alive: nothing lingers after a proxy stops),
 * bounded by `timeoutMs`; a connection error names `label`, the method and the URL. Shared by the reference's and
 * Caddy's admin clients.
 */
export function adminRequest(
  to: AdminAddress,
  method: 'GET' | 'POST',
  path: string,
  o: { body?: string; contentType?: string; timeoutMs: number; label: string },
): Promise<AdminResponse> {
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = {};
    if (o.body !== undefined) {
      headers['content-type'] = o.contentType ?? 'application/json';
      headers['content-length'] = Buffer.byteLength(o.body);
    }
    const req = http.request(
      { host: to.host, port: to.port, method, path, headers, agent: false, timeout: o.timeoutMs },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (b: Buffer) => parts.push(b));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${o.timeoutMs} ms`)));
    req.on('error', (err) => reject(new Error(`${o.label} ${method} ${adminBase(to)}${path}: ${err.message}`)));
    req.end(o.body);
  });
}

/** http://host:port of an admin API, with an IPv6 host in brackets. */
export function adminBase(to: AdminAddress): string {
  return `http://${to.host.includes(':') ? `[${to.host}]` : to.host}:${to.port}`;
}

/**
 * HTTP client for the reference proxy's admin API (Envoy's paths: /ready, /config, /trace, /stats,
 * /server_info, /quitquitquit). No keep-alive: every call is one connection, so nothing lingers after stop().
 */
export class AdminClient {
  constructor(
    readonly host: string,
    readonly port: number,
    private readonly requestTimeoutMs = 10_000,
  ) {}

  get base(): string {
    return adminBase(this);
  }

  request(method: 'GET' | 'POST', path: string, body?: string, contentType?: string): Promise<AdminResponse> {
    return adminRequest(this, method, path, { body, contentType, timeoutMs: this.requestTimeoutMs, label: 'admin' });
  }

  /**
   * Polls GET /ready until it answers 200, every `pollMs`, for at most `timeoutMs`; the error says what the
   * last poll saw (a status and body, or a connection error).
   */
  async waitReady(timeoutMs: number, pollMs = 20): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer';
    for (;;) {
      try {
        const r = await this.request('GET', '/ready');
        if (r.status === 200) return;
        last = `${r.status} ${r.body.trim()}`;
      } catch (err) {
        last = (err as Error).message;
      }
      if (Date.now() >= deadline)
        throw new Error(`admin ${this.base}/ready: not ready after ${timeoutMs} ms (last: ${last})`);
      await delay(pollMs);
    }
  }

  /** POST /config; resolves with the bound listeners; a 400 carries the proxy's validation errors. */
  async postConfig(config: unknown): Promise<BoundListener[]> {
    const r = await this.request('POST', '/config', JSON.stringify(config), 'application/json');
    if (r.status !== 200)
      throw new AdminError(
        `admin POST /config: ${r.status} ${r.status === 400 ? 'invalid configuration' : 'failed'}:\n${r.body.trim()}`,
        r.status,
        r.body,
      );
    const parsed = parseJson(r.body, 'POST /config answer') as { listeners?: unknown };
    if (!Array.isArray(parsed.listeners))
      throw new Error(`admin POST /config answer: expected {"listeners":[...]}, got ${r.body.slice(0, 200)}`);
    return parsed.listeners.map((l, i) => {
      const x = l as Partial<BoundListener>;
      if (typeof x.name !== 'string' || typeof x.address !== 'string' || typeof x.port !== 'number')
        throw new Error(
          `admin POST /config answer: listeners[${i}]: expected {name, address, port}, got ${JSON.stringify(l)}`,
        );
      return { name: x.name, address: x.address, port: x.port };
    });
  }

  /** GET /trace (JSON lines), cleared after reading by default. */
  async trace(clear = true): Promise<TraceEvent[]> {
    const r = await this.ok('GET', clear ? '/trace?clear=1' : '/trace');
    return parseTraceLines(r.body);
  }

  /** GET /stats?format=json as name -> value. */
  async stats(): Promise<Record<string, number>> {
    const r = await this.ok('GET', '/stats?format=json');
    const parsed = parseJson(r.body, 'GET /stats') as { stats?: Array<{ name?: unknown; value?: unknown }> };
    if (!Array.isArray(parsed.stats))
      throw new Error(`admin GET /stats: expected {"stats":[...]}, got ${r.body.slice(0, 200)}`);
    const out: Record<string, number> = {};
    for (const s of parsed.stats) if (typeof s.name === 'string' && typeof s.value === 'number') out[s.name] = s.value;
    return out;
  }

  async serverInfo(): Promise<{ name: string; version: string }> {
    const r = await this.ok('GET', '/server_info');
    const p = parseJson(r.body, 'GET /server_info') as { name?: unknown; version?: unknown };
    return { name: String(p.name ?? 'unknown'), version: String(p.version ?? 'unknown') };
  }

  async quit(): Promise<void> {
    await this.ok('POST', '/quitquitquit');
  }

  private async ok(method: 'GET' | 'POST', path: string): Promise<AdminResponse> {
    const r = await this.request(method, path);
    if (r.status !== 200)
      throw new AdminError(`admin ${method} ${path}: ${r.status} ${r.body.trim()}`, r.status, r.body);
    return r;
  }
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`admin ${what}: not JSON (${(err as Error).message}): ${text.slice(0, 200)}`);
  }
}

/** JSON lines of trace events; a bad line is reported with its number and text. */
export function parseTraceLines(body: string): TraceEvent[] {
  const out: TraceEvent[] = [];
  body.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let e: unknown;
    try {
      e = JSON.parse(line);
    } catch (err) {
      throw new Error(`admin GET /trace line ${i + 1}: not JSON (${(err as Error).message}): ${line.slice(0, 120)}`);
    }
    const ev = e as Partial<TraceEvent>;
    if (typeof ev.t !== 'string' || !/^\d+$/.test(ev.t) || typeof ev.ev !== 'string')
      throw new Error(
        `admin GET /trace line ${i + 1}: expected {"t":"<decimal ns>","ev":"<name>",...}, got ${line.slice(0, 120)}`,
      );
    out.push(ev as TraceEvent);
  });
  return out;
}
