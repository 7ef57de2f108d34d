/**
 * `--env compose` against a real docker-compose.yml stack: a project of the test's own (unique name and published
 * ports) is brought up, a request goes through it end to end, the compose environment drives it in process and
 * the conformance CLI runs a handful of scenarios on it; the stack is left as found after each, and always taken
 * down at the end. Runs only with a reachable engine and the compose plugin (skipped with the reason otherwise);
 * with CONFORMANCE_REQUIRE_DOCKER=1 their absence is a failure. The first describe needs no engine.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { Topology } from '../../../harness/adapters/topology';
import { DownstreamClient } from '../../../harness/client/downstream_client';
import { ComposeEnvironment } from '../../../harness/docker/compose_environment';
import {
  COMPOSE_PROJECT_LABEL,
  ComposeStackError,
  type ContainerSummary,
  locateStack,
} from '../../../harness/docker/compose_stack';
import { AGENT_CONTROL_PORT } from '../../../harness/docker/docker_run';
import { dockerEndpoint, noEngineMessage, probeEngine } from '../../../harness/docker/engine';
import { Timeline } from '../../../harness/timeline/timeline';
import { AgentClient } from '../../../harness/upstream/agent_client';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');
const LOCAL_BASE = 'h1pc-base-node:local';
/** One scenario per stage or so: enough to see upstreams, reconfiguration and traces work across scenarios. */
const TAGS = '@seed-1.1 or @seed-2.1 or @seed-3.1 or @seed-4.1 or @seed-5.1';

function summary(
  project: string,
  service: string,
  opts: { state?: string; networks?: Record<string, string> } = {},
): ContainerSummary {
  const networks = opts.networks ?? { [`${project}_default`]: service === 'proxy' ? '172.20.0.3' : '172.20.0.2' };
  return {
    Id: `${project}-${service}`,
    State: opts.state ?? 'running',
    Labels: { [COMPOSE_PROJECT_LABEL]: project, 'com.docker.compose.service': service },
    NetworkSettings: {
      Networks: Object.fromEntries(Object.entries(networks).map(([n, ip]) => [n, { IPAddress: ip }])),
    },
  };
}

describe('compose stack: locating the services', () => {
  it("finds proxy and upstream by compose's labels, on the project's default network", () => {
    const other = summary('other', 'proxy');
    const located = locateStack('p1', [
      other,
      summary('p1', 'proxy', { networks: { extra: '10.1.0.3', p1_default: '172.20.0.3' } }),
      summary('p1', 'upstream', { networks: { extra: '10.1.0.2', p1_default: '172.20.0.2' } }),
    ]);
    assert.deepEqual(located, {
      network: 'p1_default',
      proxy: { id: 'p1-proxy', address: '172.20.0.3' },
      agent: { id: 'p1-upstream', address: '172.20.0.2' },
    });
  });

  it('says what is missing and which command brings the stack up', () => {
    const cases: Array<[string, ContainerSummary[], RegExp]> = [
      [
        'h1pc',
        [],
        /^compose project "h1pc" is not up: no container with labels com\.docker\.compose\.project=h1pc, com\.docker\.compose\.service=proxy \(the project has no container at all\); bring it up with: bash scripts\/docker-base\.sh && H1PC_NODE_BASE=h1pc-base-node:local docker compose up -d --build$/,
      ],
      [
        'p2',
        [summary('p2', 'proxy'), summary('p2', 'upstream', { state: 'exited' })],
        /"p2" is not up: service "upstream" is exited, expected running; .*docker compose -p p2 up -d --build/,
      ],
      [
        'p3',
        [summary('p3', 'proxy'), summary('p3', 'upstream'), summary('p3', 'upstream')],
        /service "upstream" runs 2 containers, expected 1/,
      ],
      [
        'p4',
        [
          summary('p4', 'proxy', { networks: { a: '10.0.0.2' } }),
          summary('p4', 'upstream', { networks: { b: '10.0.1.2' } }),
        ],
        /services "proxy" and "upstream" share no network/,
      ],
    ];
    for (const [project, list, message] of cases)
      assert.throws(
        () => locateStack(project, list),
        (err: unknown) => err instanceof ComposeStackError && message.test(err.message),
        project,
      );
  });
});

/** Why the integration tests cannot run here, or false. */
async function skipReason(): Promise<string | false> {
  const required = process.env.CONFORMANCE_REQUIRE_DOCKER === '1';
  const why = await probeEngine();
  if (why !== undefined)
    return required
      ? false
      : `${noEngineMessage(dockerEndpoint(), why)} (set CONFORMANCE_REQUIRE_DOCKER=1 to make this a failure)`;
  try {
    execFileSync('docker', ['compose', 'version'], { stdio: 'pipe' });
  } catch {
    return required
      ? false
      : 'no docker compose v2 plugin (bash scripts/install-docker.sh installs it; set CONFORMANCE_REQUIRE_DOCKER=1 to make this a failure)';
  }
  return false;
}

function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: ROOT, env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** One GET over a fresh connection (Connection: close); the raw answer. */
function get(port: number, target: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port });
    const parts: Buffer[] = [];
    s.setTimeout(timeoutMs, () => s.destroy(new Error(`no answer from 127.0.0.1:${port} within ${timeoutMs} ms`)));
    s.on('connect', () => s.write(`GET ${target} HTTP/1.1\r\nHost: compose.test\r\nConnection: close\r\n\r\n`));
    s.on('data', (b: Buffer) => parts.push(b));
    s.on('end', () => resolve(Buffer.concat(parts).toString('latin1')));
    s.on('error', reject);
  });
}

/** GETs `target` through the published proxy port until the echo upstream answers (bounded). */
async function echoThroughProxy(port: number, target: string, timeoutMs = 20_000): Promise<{ target: string }> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no attempt';
  for (;;) {
    try {
      const raw = await get(port, target);
      const body = raw.slice(raw.indexOf('\r\n\r\n') + 4);
      if (raw.startsWith('HTTP/1.1 200')) return JSON.parse(body) as { target: string };
      last = raw.slice(0, 200);
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline)
      throw new Error(`expected a 200 echo of ${target} on 127.0.0.1:${port} within ${timeoutMs} ms; last: ${last}`);
    await delay(100);
  }
}

/** `id state` of every container of the project, sorted: what a run must leave as it found. */
function projectContainers(project: string): string[] {
  const out = execFileSync(
    'docker',
    ['ps', '-a', '--filter', `label=${COMPOSE_PROJECT_LABEL}=${project}`, '--format', '{{.ID}} {{.State}}'],
    { encoding: 'utf8' },
  );
  return out.trim().split('\n').filter(Boolean).sort();
}

describe('compose stack (integration)', async () => {
  const skip = await skipReason();
  if (skip) process.stdout.write(`# skipped: ${skip}\n`);
  const project = `h1pc-it-${randomBytes(4).toString('hex')}`;
  let env: NodeJS.ProcessEnv = process.env;
  let proxyPort = 0;
  let up = false;

  before(
    async () => {
      if (skip) return;
      // Always: the build context is this tree's code compiled (a context left by an older tree would test old
      // code), and it is cheap once the base exists (~1.5 s).
      const prep = await run('bash', ['scripts/docker-base.sh'], process.env, 300_000);
      assert.equal(prep.code, 0, `bash scripts/docker-base.sh failed:\n${prep.out}`);
      proxyPort = await freePort();
      env = {
        ...process.env,
        H1PC_NODE_BASE: process.env.H1PC_NODE_BASE ?? LOCAL_BASE,
        H1PC_PROXY_PORT: String(proxyPort),
        H1PC_ADMIN_PORT: String(await freePort()),
        H1PC_AGENT_PORT: String(await freePort()),
      };
      up = true;
      const r = await run(
        'docker',
        ['compose', '-f', COMPOSE_FILE, '-p', project, 'up', '-d', '--build'],
        env,
        300_000,
      );
      assert.equal(r.code, 0, `docker compose -p ${project} up -d --build failed:\n${r.out}`);
    },
    { timeout: 600_000 },
  );

  after(
    async () => {
      if (!up) return;
      const r = await run(
        'docker',
        ['compose', '-f', COMPOSE_FILE, '-p', project, 'down', '-v', '-t', '1'],
        env,
        120_000,
      );
      assert.equal(r.code, 0, `docker compose -p ${project} down -v failed:\n${r.out}`);
      assert.deepEqual(projectContainers(project), [], `containers of ${project} left after down`);
    },
    { timeout: 180_000 },
  );

  it('answers a request end to end on the published port', { skip, timeout: 60_000 }, async () => {
    const echoed = await echoThroughProxy(proxyPort, '/hello-compose');
    assert.equal(echoed.target, '/hello-compose');
  });

  it('runs a scenario through the stack in process, then leaves it as found, its upstreams closed', {
    skip,
    timeout: 120_000,
  }, async () => {
    await echoThroughProxy(proxyPort, '/before');
    const containers = projectContainers(project);
    const environment = new ComposeEnvironment(project);
    const adapter = environment.createAdapter('reference');
    const timeline = new Timeline();
    let client: DownstreamClient | undefined;
    try {
      await adapter.start();
      // The stack's agent already runs an upstream called "app" (its echo): the run's own does not collide.
      const u = await environment.startUpstream('app', timeline, { reply: { status: 200, body: 'from-compose' } });
      const located = await environment.stack.locate();
      assert.equal(u.host, located.agent.address);
      const topology: Topology = {
        routes: [{ prefix: '/', cluster: 'app' }],
        clusters: [{ name: 'app', endpoints: [{ host: u.host, port: u.port }] }],
        timeouts: {},
        limits: {},
      };
      const ep = await adapter.configure(topology);
      assert.equal(ep.host, located.proxy.address);
      client = await DownstreamClient.connect(ep.host, ep.port, timeline, 'c1');
      await client.send('GET /through-compose HTTP/1.1\r\nHost: example.com\r\n\r\n');
      const [res] = await client.responses(1, { timeoutMs: 10_000 });
      assert.equal(res?.status, 200, `response: ${client.received().toString('latin1')}\n${adapter.logs()}`);
      assert.equal(res.body.toString(), 'from-compose');
      const [req] = await u.waitForRequests(1, 5000);
      assert.equal(req.connId, 'app#1');
      // One clock for the harness and the stack's containers.
      const sent = timeline.first({ actor: 'client', kind: 'send' });
      const upstreamGot = timeline.first({ actor: 'upstream:app', kind: 'request_headers' });
      const clientGot = timeline.first({ actor: 'client', kind: 'response_complete' });
      assert.ok(sent && upstreamGot && clientGot, timeline.format());
      assert.ok(sent.t < upstreamGot.t && upstreamGot.t < clientGot.t, timeline.format());
      assert.ok((await adapter.trace?.())?.length, 'the reference traced the scenario');
    } finally {
      client?.close();
      await adapter.stop();
      await environment.dispose();
    }
    // Its configuration is back (the echo route on the published port), nothing was removed or added ...
    assert.equal((await echoThroughProxy(proxyPort, '/after', 5000)).target, '/after');
    assert.deepEqual(projectContainers(project), containers);
    // ... and the run's upstream is gone from the agent.
    const located = await environment.stack.locate();
    const control = await AgentClient.connect(located.agent.address, AGENT_CONTROL_PORT, new Timeline(), {
      namespace: `${environment.runId}.`,
    });
    try {
      await assert.rejects(control.records('app'), /no upstream ".*\.app"/);
    } finally {
      control.close();
    }
  });

  it('runs a handful of scenarios with the conformance CLI', { skip, timeout: 300_000 }, async () => {
    const containers = projectContainers(project);
    const reportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'h1pc-compose-'));
    try {
      const node = path.join(ROOT, 'node_modules', '.bin', 'node');
      const r = await run(
        node,
        [
          '-r',
          'ts-node/register/transpile-only',
          'harness/cli/conformance.ts',
          '--env',
          'compose',
          '--compose-project',
          project,
          '--tags',
          TAGS,
          '--report-dir',
          reportDir,
        ],
        env,
        240_000,
      );
      assert.equal(r.code, 0, r.out);
      const report = JSON.parse(fs.readFileSync(path.join(reportDir, 'conformance-report.json'), 'utf8')) as {
        totals: { passed: number; failed: number; skipped: number; notSupported: number };
        reproduce: string;
      };
      const { passed, failed, skipped, notSupported } = report.totals;
      assert.ok(passed >= 5, `expected at least 5 passed scenarios for ${TAGS}, got ${passed}\n${r.out}`);
      assert.deepEqual({ failed, skipped, notSupported }, { failed: 0, skipped: 0, notSupported: 0 }, r.out);
      assert.match(report.reproduce, new RegExp(`--env compose --compose-project ${project} `));
    } finally {
      fs.rmSync(reportDir, { recursive: true, force: true });
    }
    assert.equal((await echoThroughProxy(proxyPort, '/after-cli', 5000)).target, '/after-cli');
    assert.deepEqual(projectContainers(project), containers);
  });
});
