import * as http from 'node:http';

/** Caddy's admin API answered with an error status: the body (caddy's JSON error) says why. */
export class CaddyAdminError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(message);
  }
}

/**
 * Client for the part of Caddy's admin API the adapter uses: POST /load (replace the whole config, applied when it
 * answers), GET /config/ (readiness), POST /stop. No keep-alive: every call is one connection, so nothing lingers
 * into the next scenario or after stop.
 */
export class CaddyAdminClient {
  constructor(
    readonly host: string,
    readonly port: number,
    private readonly requestTimeoutMs = 15_000,
  ) {}

  get base(): string {
    return `http://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
  }

  /** Loads `config` (Caddy JSON); resolves once Caddy runs it, rejects with Caddy's error otherwise. */
  async load(config: unknown): Promise<void> {
    const res = await this.request('POST', '/load', JSON.stringify(config));
    if (res.status !== 200) throw this.error('POST /load', res);
  }

  /** The running config (GET /config/). */
  async config(): Promise<unknown> {
    const res = await this.request('GET', '/config/');
    if (res.status !== 200) throw this.error('GET /config/', res);
    return res.body.trim() === '' ? null : JSON.parse(res.body);
  }

  /** True once the admin endpoint answers GET /config/ with 200. */
  async isReady(): Promise<boolean> {
    try {
      return (await this.request('GET', '/config/')).status === 200;
    } catch {
      return false;
    }
  }

  /** Asks Caddy to exit (POST /stop). */
  async stop(): Promise<void> {
    const res = await this.request('POST', '/stop');
    if (res.status !== 200) throw this.error('POST /stop', res);
  }

  private error(what: string, res: { status: number; body: string }): CaddyAdminError {
    let detail = res.body.trim();
    try {
      const parsed = JSON.parse(detail) as { error?: unknown };
      if (typeof parsed.error === 'string') detail = parsed.error;
    } catch {
      // not JSON: keep the raw body
    }
    return new CaddyAdminError(`caddy admin ${what} at ${this.base}: ${res.status}: ${detail}`, res.status, res.body);
  }

  private request(method: 'GET' | 'POST', path: string, body?: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = {};
      if (body !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(body);
      }
      const req = http.request(
        { host: this.host, port: this.port, method, path, headers, agent: false, timeout: this.requestTimeoutMs },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (b: Buffer) => parts.push(b));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.requestTimeoutMs} ms`)));
      req.on('error', (err) => reject(new Error(`caddy admin ${method} ${this.base}${path}: ${err.message}`)));
      req.end(body);
    });
  }
}
