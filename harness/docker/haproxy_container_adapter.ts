import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { getContainerRuntimeClient, Wait } from 'testcontainers';
import type { Capability, ProxyEndpoint } from '../adapters/adapter';
import { HAPROXY_CAPABILITIES, renderHaproxyConfig } from '../adapters/haproxy_adapter';
import type { Topology } from '../adapters/topology';
import { checkTopology } from '../adapters/topology_check';
import { ContainerProxyAdapter, type VersionProbe } from './container_proxy_adapter';
import { waitForMaster } from './haproxy_master_cli';
import { scenarioPort } from './scenario_listener';

/** Where haproxy.cfg is mounted (a host temp dir) in the container (docker/haproxy/Dockerfile). */
export const HAPROXY_CONF_DIR = '/etc/h1pc';
/** The haproxy binary in the image: the official image's path, which the host-made base copies too. */
export const HAPROXY_BIN = '/usr/local/sbin/haproxy';
/** The master CLI's port in the container (docker/haproxy/Dockerfile, -S). */
export const HAPROXY_MASTER_CLI_PORT = 9999;
/** Bound on the previous scenario's worker after a reload (it drains its connections until then). */
export const HAPROXY_HARD_STOP_AFTER = '1s';

const LOCAL_START_COMMENT = '# Started with -db: foreground, no daemon, no master; no user/chroot switching.';

/**
 * The local adapter's haproxy.cfg for one scenario, for the master-worker container: reloads replace the worker,
 * and the one they replace is stopped within HAPROXY_HARD_STOP_AFTER instead of lingering on an idle connection
 * (locally every scenario starts a fresh process, which leaves nothing behind either).
 */
export function renderContainerHaproxyConfig(topology: Topology, listen: ProxyEndpoint): string {
  const conf = renderHaproxyConfig(topology, listen);
  if (!conf.includes(`${LOCAL_START_COMMENT}\nglobal\n`))
    throw new Error('haproxy (docker): the rendered haproxy.cfg no longer starts with the expected global section');
  return conf.replace(
    `${LOCAL_START_COMMENT}\nglobal\n`,
    [
      '# Started with -W -db: master-worker in the foreground; each scenario is a reload (SIGUSR2 to the master).',
      'global',
      "  # The previous scenario's worker is stopped this long after a reload at the latest.",
      `  hard-stop-after ${HAPROXY_HARD_STOP_AFTER}`,
      '',
    ].join('\n'),
  );
}

/**
 * haproxy in a container on the run network, one container per run, in master-worker mode. Per scenario the
 * config in a mounted host dir is replaced and the master reloaded with SIGUSR2 (~25 ms, against ~1 s for a new
 * container), once its master CLI shows it can take the signal (haproxy_master_cli.ts): it starts a new worker on
 * the new config and soft-stops the old one, so no pooled connection of the previous scenario serves the next.
 * Each scenario listens on a new port (scenario_listener.ts).
 */
export class HaproxyContainerAdapter extends ContainerProxyAdapter {
  readonly name = 'haproxy';
  readonly capabilities: ReadonlySet<Capability> = new Set(HAPROXY_CAPABILITIES);
  protected readonly version: VersionProbe = {
    command: [HAPROXY_BIN, '-v'],
    pattern: /version (\S+)/i,
    url: 'https://www.haproxy.org/',
  };
  private confDir?: string;

  async start(): Promise<void> {
    if (this.container) return;
    await this.run.start();
    // A mounted host dir: a scenario's config is a file write, not an archive upload through the engine.
    this.confDir = fs.mkdtempSync(path.join(os.tmpdir(), 'h1pc-haproxy-conf-'));
    // haproxy runs as nobody in the container: the dir (0700 from mkdtemp) and the config must be readable.
    fs.chmodSync(this.confDir, 0o755);
    this.writeConfig(fs.readFileSync(path.join(__dirname, '..', '..', 'docker', 'haproxy', 'haproxy.cfg'), 'utf8'));
    const c = this.run
      .container('haproxy', 'proxy')
      .withBindMounts([{ source: this.confDir, target: HAPROXY_CONF_DIR, mode: 'ro' }])
      // The master says so once its first worker is up.
      .withWaitStrategy(Wait.forLogMessage(/Loading success/))
      .withStartupTimeout(30_000);
    await this.started(await this.run.startContainer(c));
  }

  async configure(topology: Topology): Promise<ProxyEndpoint> {
    checkTopology(topology, this.name);
    await this.start();
    await this.run.settle();
    const c = this.requireContainer();
    const port = scenarioPort(this.scenarios++);
    this.output.clear();
    this.writeConfig(renderContainerHaproxyConfig(topology, { host: '0.0.0.0', port }));
    const host = c.getIpAddress(this.run.networkName);
    await waitForMaster(host, HAPROXY_MASTER_CLI_PORT, this.readyTimeoutMs).catch((err: Error) => {
      throw this.withLogs(err);
    });
    // SIGUSR2 to the master (PID 1) is haproxy's reload. A config haproxy refuses leaves the old worker running:
    // the new port never opens and the wait below fails with haproxy's error in the logs.
    const runtime = await getContainerRuntimeClient();
    await runtime.container.getById(c.getId()).kill({ signal: 'USR2' });
    return this.listenerReady({ host, port });
  }

  protected override afterStop(): void {
    if (this.confDir) fs.rmSync(this.confDir, { recursive: true, force: true });
    this.confDir = undefined;
  }

  /** Whole file or nothing: written aside, then renamed over the old one. */
  private writeConfig(text: string): void {
    const dir = this.confDir as string;
    const tmp = path.join(dir, '.haproxy.cfg.new');
    fs.writeFileSync(tmp, text, { mode: 0o644 });
    fs.renameSync(tmp, path.join(dir, 'haproxy.cfg'));
  }
}
