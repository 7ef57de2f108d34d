import { type AdminResponse, adminBase, adminRequest } from './admin_client';

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
    return adminBase(this);
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

  private request(method: 'GET' | 'POST', path: string, body?: string): Promise<AdminResponse> {
    return adminRequest(this, method, path, { body, timeoutMs: this.requestTimeoutMs, label: 'caddy admin' });
  }
}
