import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AdminConfig } from '../config/config';
import { ADMIN_ENDPOINTS, type AdminEndpoint, type AdminRequest, type AdminResponse } from './admin_handlers';
import type { AdminTarget } from './admin_target';

/** Config bodies bigger than this are refused (413): nothing legitimate comes close. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLarge());
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function endpointList(): string {
  return ADMIN_ENDPOINTS.map((e) => `  ${e.method.padEnd(4)} ${e.path.padEnd(18)} ${e.help}`).join('\n');
}

/**
 * The admin HTTP listener. Envoy's admin is the model (same paths); it uses node:http because it is not the
 * data path. Keep-alive connections are closed with the server so that a reload or exit is never held up.
 */
export class AdminServer {
  private readonly server: Server;
  private readonly byPath = new Map<string, AdminEndpoint>(ADMIN_ENDPOINTS.map((e) => [e.path, e]));

  constructor(
    private readonly target: AdminTarget,
    private readonly config: AdminConfig,
  ) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.send(res, { status: 500, contentType: 'text/plain', body: `admin error: ${(err as Error).message}\n` });
      });
    });
  }

  listen(): Promise<{ address: string; port: number }> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen(this.config.port, this.config.address, () => {
        this.server.off('error', onError);
        const a = this.server.address() as AddressInfo;
        resolve({ address: a.address, port: a.port });
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) {
        resolve();
        return;
      }
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://admin');
    const method = req.method ?? 'GET';
    if (url.pathname === '/' || url.pathname === '/help') {
      this.send(res, { status: 200, contentType: 'text/plain', body: `admin commands are:\n${endpointList()}\n` });
      return;
    }
    const endpoint = this.byPath.get(url.pathname);
    if (!endpoint) {
      this.send(res, {
        status: 404,
        contentType: 'text/plain',
        body: `no admin endpoint ${url.pathname}; endpoints are:\n${endpointList()}\n`,
      });
      return;
    }
    const allowed = endpoint.method === 'GET' ? ['GET', 'HEAD'] : ['POST'];
    if (!allowed.includes(method)) {
      res.setHeader('allow', allowed.join(', '));
      this.send(res, { status: 405, contentType: 'text/plain', body: `${endpoint.path} expects ${endpoint.method}\n` });
      return;
    }
    let body = '';
    try {
      body = await readBody(req);
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        this.send(res, { status: 413, contentType: 'text/plain', body: `body over ${MAX_BODY_BYTES} bytes\n` });
        return;
      }
      throw err;
    }
    const request: AdminRequest = {
      method,
      path: url.pathname,
      query: url.searchParams,
      contentType: req.headers['content-type'] ?? '',
      body,
    };
    this.send(res, await endpoint.handle(this.target, request));
  }

  private send(res: ServerResponse, response: AdminResponse): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.statusCode = response.status;
    res.setHeader('content-type', response.contentType);
    res.setHeader('content-length', Buffer.byteLength(response.body));
    res.setHeader('cache-control', 'no-cache, max-age=0');
    if (response.afterSend) res.on('finish', response.afterSend);
    res.end(res.req.method === 'HEAD' ? undefined : response.body);
  }
}
