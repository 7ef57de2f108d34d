import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { Capability, ProxyEndpoint, ProxyInfo } from './adapter';
import { parseCapabilities } from './capability_list';
import { renderTemplate, templateContext } from './config_template';
import { commandOutput, type ProcessProxy } from './process_proxy';
import { type LaunchPlan, type RestartingAdapterOptions, RestartingProxyAdapter } from './restarting_adapter';
import type { Topology } from './topology';

export interface CommandAdapterOptions extends RestartingAdapterOptions {
  /** Shell command that runs the proxy in the foreground; placeholders allowed ({{config_path}}, {{listen}}...). */
  command?: string;
  /** Config template file (placeholders: harness/adapters/README.md); rendered to {{config_path}}. */
  configTemplate?: string;
  /** What the proxy can do, as configured by the template (see adapter.ts Capability). */
  capabilities?: readonly string[] | string;
  /** Polled until it answers 2xx after each start (placeholders allowed); default: TCP connect to the listener. */
  readyUrl?: string;
  /** Name in reports (default 'command'). */
  proxyName?: string;
  /** Shell command printing the proxy's version, for the report. */
  versionCommand?: string;
  /** Signal that stops the proxy (default SIGTERM); the whole process group gets it, then SIGKILL. */
  stopSignal?: NodeJS.Signals;
}

/** The options from the environment: CONFORMANCE_COMMAND, _CONFIG_TEMPLATE, _CAPABILITIES, _READY_URL, ... */
export function commandOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): CommandAdapterOptions {
  return {
    command: env.CONFORMANCE_COMMAND,
    configTemplate: env.CONFORMANCE_CONFIG_TEMPLATE,
    capabilities: env.CONFORMANCE_CAPABILITIES,
    readyUrl: env.CONFORMANCE_READY_URL,
    proxyName: env.CONFORMANCE_PROXY_NAME,
    versionCommand: env.CONFORMANCE_VERSION_COMMAND,
    stopSignal: env.CONFORMANCE_STOP_SIGNAL as NodeJS.Signals | undefined,
  };
}

/**
 * Any proxy, without an adapter of its own: per scenario, the harness renders the user's config template with the
 * scenario's listener and upstream addresses, runs the user's command (through /bin/sh, in its own process group)
 * and waits until the listener accepts connections or the ready URL answers. Capabilities are what the user
 * declares, since only they know what their template configures.
 */
export class CommandAdapter extends RestartingProxyAdapter {
  readonly name: string;
  readonly capabilities: ReadonlySet<Capability>;
  protected readonly stopSignal: NodeJS.Signals;
  private readonly command: string;
  private readonly template?: { file: string; source: string };
  private readonly readyUrl?: string;
  private readonly versionCommand?: string;

  constructor(opts: CommandAdapterOptions = commandOptionsFromEnv()) {
    super(opts);
    if (!opts.command || opts.command.trim() === '')
      throw new Error(
        'command adapter: no start command; set CONFORMANCE_COMMAND (e.g. "exec nginx -p {{temp_dir}}/ -c {{config_path}}") ' +
          'and usually CONFORMANCE_CONFIG_TEMPLATE (see harness/adapters/README.md)',
      );
    this.command = opts.command;
    if (opts.configTemplate) {
      const file = path.resolve(opts.configTemplate);
      let source: string;
      try {
        source = fs.readFileSync(file, 'utf8');
      } catch (err) {
        throw new Error(`command adapter: CONFORMANCE_CONFIG_TEMPLATE ${file}: ${(err as Error).message}`);
      }
      this.template = { file, source };
    }
    this.capabilities = new Set(parseCapabilities(opts.capabilities, 'CONFORMANCE_CAPABILITIES'));
    this.readyUrl = opts.readyUrl;
    this.name = opts.proxyName ?? 'command';
    this.versionCommand = opts.versionCommand;
    const signal = opts.stopSignal ?? 'SIGTERM';
    if (!/^SIG[A-Z0-9]+$/.test(signal))
      throw new Error(`command adapter: CONFORMANCE_STOP_SIGNAL ${signal}: expected e.g. SIGTERM`);
    this.stopSignal = signal;
  }

  protected binary(): string {
    return '/bin/sh';
  }

  /** The config file name: the template's, without a .tmpl/.template/.mustache suffix. */
  private configName(): string {
    const base = this.template ? path.basename(this.template.file) : 'proxy.conf';
    return base.replace(/\.(tmpl|template|mustache)$/, '') || 'proxy.conf';
  }

  protected plan(topology: Topology, listen: ProxyEndpoint, dir: string): LaunchPlan {
    const configPath = path.join(dir, this.configName());
    const ctx = templateContext(topology, listen, { tempDir: dir, configPath });
    const files: Record<string, string> = {};
    if (this.template) files[this.configName()] = renderTemplate(this.template.source, ctx, this.template.file);
    const command = renderTemplate(this.command, ctx, 'CONFORMANCE_COMMAND');
    return { files, command: { file: '/bin/sh', args: ['-c', command] } };
  }

  protected override async waitReady(proc: ProcessProxy, listen: ProxyEndpoint, timeoutMs: number): Promise<void> {
    await proc.waitForTcp(listen.host, listen.port, timeoutMs);
    if (!this.readyUrl) return;
    const url = renderTemplate(
      this.readyUrl,
      templateContext({ routes: [], clusters: [], timeouts: {}, limits: {} }, listen, {
        tempDir: proc.tempDir,
        configPath: path.join(proc.tempDir, this.configName()),
      }),
      'CONFORMANCE_READY_URL',
    );
    await proc.waitFor(() => answers2xx(url), `a 2xx answer from ${url}`, timeoutMs);
  }

  async info(): Promise<ProxyInfo> {
    if (!this.versionCommand) return { name: this.name, version: 'unknown' };
    const out = await commandOutput('/bin/sh', ['-c', this.versionCommand]);
    return { name: this.name, version: out.trim().split('\n')[0] ?? 'unknown' };
  }
}

function answers2xx(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}
