import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { StartedTestContainer } from 'testcontainers';
import { getContainerRuntimeClient, Wait } from 'testcontainers';
import type { Capability, ProxyAdapter, ProxyEndpoint, ProxyInfo } from '../adapters/adapter';
import { NGINX_CAPABILITIES, renderNginxConfig } from '../adapters/nginx_adapter';
import type { Topology } from '../adapters/topology';
import { checkTopology } from '../adapters/topology_check';
import type { TimelineEvent } from '../timeline/event';
import { ContainerLogs } from './container_logs';
import type { DockerRun } from './docker_run';
import { scenarioPort, waitForListener } from './scenario_listener';

/** Where nginx's pid and temp files live in its container (docker/nginx/Dockerfile). */
export const NGINX_DIR = '/tmp/h1pc';
/** Where the per-scenario nginx.conf is mounted (from a host temp dir). */
export const CONF_DIR = '/etc/h1pc';

/**
 * The local adapter's nginx.conf for one scenario, with logs sent to the container's stdout/stderr (what `docker
 * logs` shows) instead of files.
 */
export function renderContainerNginxConfig(topology: Topology, listen: ProxyEndpoint): string {
  const conf = renderNginxConfig(topology, listen, NGINX_DIR);
  const errorLog = `error_log ${NGINX_DIR}/error.log info;`;
  const accessLog = `access_log ${NGINX_DIR}/access.log h1pc;`;
  if (!conf.includes(errorLog) || !conf.includes(accessLog))
    throw new Error('nginx (docker): the rendered nginx.conf no longer has the expected error_log/access_log lines');
  return conf.replace(errorLog, 'error_log stderr info;').replace(accessLog, 'access_log /dev/stdout h1pc;');
}

/**
 * nginx containers a run keeps and uses in turn. nginx's master sleeps 100 ms after starting a reload's workers and
 * takes the next SIGHUP only after that: one container reloaded for every scenario paces the suite at ~100 ms a
 * scenario (measured: 90-110 ms from SIGHUP to the new port, against ~25 ms when the previous reload is older).
 * With four in turn, a container's previous reload is several scenarios old.
 */
export const NGINX_INSTANCES_ENV = 'CONFORMANCE_NGINX_DOCKER_INSTANCES';

export function nginxInstances(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[NGINX_INSTANCES_ENV];
  if (raw === undefined || raw === '') return 4;
  if (!/^[1-9]$/.test(raw))
    throw new Error(`${NGINX_INSTANCES_ENV}=${JSON.stringify(raw)}: expected 1 to 9 containers`);
  return Number(raw);
}

/** One nginx container with its mounted config dir and its output. */
interface NginxInstance {
  container: StartedTestContainer;
  confDir: string;
  output: ContainerLogs;
}

/**
 * nginx in containers on the run network, started once per run (in parallel) and used in turn, one per scenario.
 * Per scenario the config (in a mounted host dir) is replaced and nginx reloaded (SIGHUP, tens of ms, against ~1 s
 * for a new container): the new workers have no pooled connection of an earlier scenario, whose upstreams are
 * closed by then anyway. Each scenario listens on a new port, so readiness (a TCP connect to it) cannot be answered
 * by an earlier configuration.
 */
export class NginxContainerAdapter implements ProxyAdapter {
  readonly name = 'nginx';
  readonly capabilities: ReadonlySet<Capability> = new Set(NGINX_CAPABILITIES);
  private instances: NginxInstance[] = [];
  private current?: NginxInstance;
  private starting?: Promise<void>;
  private scenarios = 0;

  constructor(
    private readonly run: DockerRun,
    private readonly readyTimeoutMs = 10_000,
    private readonly count = nginxInstances(),
  ) {}

  start(): Promise<void> {
    this.starting ??= this.startAll().catch((err: unknown) => {
      this.starting = undefined;
      throw err;
    });
    return this.starting;
  }

  private async startAll(): Promise<void> {
    await this.run.start();
    const started = await Promise.allSettled(Array.from({ length: this.count }, (_, i) => this.startOne(i)));
    for (const r of started) if (r.status === 'fulfilled') this.instances.push(r.value);
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await this.stop();
      throw failed.reason;
    }
  }

  private async startOne(i: number): Promise<NginxInstance> {
    // The config lives in a host dir mounted into the container: a scenario's config is a file write, not an
    // archive upload through the engine (~45 ms each).
    const confDir = fs.mkdtempSync(path.join(os.tmpdir(), 'h1pc-nginx-conf-'));
    try {
      fs.copyFileSync(
        path.join(__dirname, '..', '..', 'docker', 'nginx', 'nginx.conf'),
        path.join(confDir, 'nginx.conf'),
      );
      const c = this.run
        .container('nginx', `proxy-${i + 1}`)
        .withBindMounts([{ source: confDir, target: CONF_DIR, mode: 'ro' }])
        .withEntrypoint(['/usr/sbin/nginx', '-e', 'stderr', '-c', `${CONF_DIR}/nginx.conf`])
        .withWaitStrategy(Wait.forLogMessage(/start worker process/))
        .withStartupTimeout(30_000);
      const container = await this.run.startContainer(c);
      const output = new ContainerLogs();
      await output.follow(container);
      return { container, confDir, output };
    } catch (err) {
      fs.rmSync(confDir, { recursive: true, force: true });
      throw err;
    }
  }

  async configure(topology: Topology): Promise<ProxyEndpoint> {
    checkTopology(topology, this.name);
    await this.start();
    await this.run.settle();
    const n = this.scenarios++;
    const inst = this.instances[n % this.instances.length];
    this.current = inst;
    const port = scenarioPort(n);
    inst.output.clear();
    fs.writeFileSync(
      path.join(inst.confDir, 'nginx.conf'),
      renderContainerNginxConfig(topology, { host: '0.0.0.0', port }),
    );
    // SIGHUP to the master (PID 1) is nginx's reload, cheaper than `docker exec nginx -s reload`. A config nginx
    // refuses leaves the old one running: the new port never opens and the wait below fails with nginx's error.
    const runtime = await getContainerRuntimeClient();
    await runtime.container.getById(inst.container.getId()).kill({ signal: 'HUP' });
    const endpoint = { host: inst.container.getIpAddress(this.run.networkName), port };
    await waitForListener(endpoint, this.readyTimeoutMs, 'nginx (docker)').catch((err: Error) => {
      throw this.withLogs(err);
    });
    return endpoint;
  }

  /**
   * nginx has no trace: this only brings the agent's events up to date, since the harness calls trace() right
   * before it judges a scenario (invariants), and the upstream's last events may still be on their way.
   */
  async trace(): Promise<TimelineEvent[]> {
    await this.run.settle();
    return [];
  }

  /** The output of the container that served the current scenario. */
  logs(): string {
    return this.current?.output.toString() ?? '';
  }

  async info(): Promise<ProxyInfo> {
    await this.start();
    const r = await this.instances[0].container.exec(['/usr/sbin/nginx', '-v']);
    const m = /nginx\/(\S+)/.exec(r.output);
    return { name: 'nginx', version: m ? m[1] : r.output.trim(), url: 'https://nginx.org/' };
  }

  async stop(): Promise<void> {
    const all = this.instances;
    this.instances = [];
    this.current = undefined;
    this.starting = undefined;
    await Promise.all(
      all.map(async (inst) => {
        await this.run.stopContainer(inst.container);
        fs.rmSync(inst.confDir, { recursive: true, force: true });
      }),
    );
  }

  private withLogs(err: Error): Error {
    return new Error(`${err.message}\n--- nginx container output ---\n${this.logs()}`);
  }
}
