import net from 'node:net';

/**
 * A loopback port that was free a moment ago, for peers that cannot report the port they bound (nginx has no
 * "listen on port 0"). Another process could take it in between; the peer then fails to start with a clear error.
 */
export function reserveFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host, port: 0 }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port === 0 ? reject(new Error('could not read the bound port')) : resolve(port)));
    });
  });
}
