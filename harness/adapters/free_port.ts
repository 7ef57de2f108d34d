import * as net from 'node:net';

/**
 * A TCP port that was free a moment ago on `host`: bound to port 0, read, closed. For proxies that must be told
 * their listen port in a config file (they cannot report an ephemeral one back). Another process may take it in
 * between, so callers that start a proxy on it retry with a new port when the bind fails.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new Error(`free port on ${host}: ${err.message}`)));
    server.listen({ host, port: 0, exclusive: true }, () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves true once a TCP connection to host:port succeeds (and is closed at once), false on refusal/error. */
export function canConnect(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
