import * as http from 'node:http';

/**
 * testcontainers reads these when it is first imported: Ryuk would be pulled from a registry (cleanup is ours,
 * cleanup.ts), and without a host override it finds /.dockerenv and tries to pull an image to find the gateway.
 * Every module that imports testcontainers imports this one first.
 */
export function configureTestcontainers(env: NodeJS.ProcessEnv = process.env): void {
  env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';
}
configureTestcontainers();

/** Where the Docker engine is expected: DOCKER_HOST, else the default unix socket. */
export function dockerEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_HOST && env.DOCKER_HOST !== '' ? env.DOCKER_HOST : 'unix:///var/run/docker.sock';
}

/** http.request options that reach `endpoint` (unix:// or tcp://); undefined for schemes we cannot probe. */
export function endpointRequestOptions(endpoint: string): http.RequestOptions | undefined {
  if (endpoint.startsWith('unix://')) return { socketPath: endpoint.slice('unix://'.length) };
  const m = /^(?:tcp|http):\/\/([^:/]+|\[[^\]]+\]):(\d+)\/?$/.exec(endpoint);
  if (m) return { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) };
  return undefined;
}

/** Asks the engine's /_ping (bounded); resolves with the reason it is not reachable, or undefined when it is. */
export function probeEngine(endpoint = dockerEndpoint(), timeoutMs = 3000): Promise<string | undefined> {
  const target = endpointRequestOptions(endpoint);
  if (!target) return Promise.resolve(`cannot probe ${endpoint} (expected unix:// or tcp://HOST:PORT)`);
  return new Promise((resolve) => {
    const req = http.request({ ...target, path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200 ? undefined : `/_ping answered ${res.statusCode}`));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => resolve(err.message));
    req.end();
  });
}

/** The message `--env docker` stops with when there is no engine. */
export function noEngineMessage(endpoint: string, why: string): string {
  return (
    `no Docker engine reachable at ${endpoint} (${why}): start dockerd (bash scripts/install-docker.sh installs ` +
    'and starts one) or use --env local'
  );
}
