import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfigFile } from './config/load_config';
import {
  applyOverrides,
  type CliCommand,
  CliUsageError,
  parseCommandLine,
  quickConfig,
  USAGE,
} from './config/quick_mode';

/**
 * The `reference` command: quick mode (--listen/--upstream), --config FILE, or --admin alone. Prints one line
 * per bound address, runs until SIGINT/SIGTERM or admin POST /quitquitquit, then closes everything and exits 0.
 */

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function fail(message: string): number {
  process.stderr.write(`reference: ${message}\n`);
  return 1;
}

/** Returns the exit code for early exits, or undefined once the proxy runs (it exits from its shutdown). */
export async function main(argv: string[]): Promise<number | undefined> {
  let cmd: CliCommand;
  try {
    cmd = parseCommandLine(argv);
  } catch (err) {
    if (!(err instanceof CliUsageError)) throw err;
    process.stderr.write(`reference: ${err.message}\n\n${USAGE}\n`);
    return 2;
  }
  const version = readVersion();
  if (cmd.kind === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (cmd.kind === 'version') {
    process.stdout.write(`reference ${version}\n`);
    return 0;
  }

  let config: ReturnType<typeof quickConfig>;
  try {
    config = applyOverrides(cmd.configPath ? loadConfigFile(cmd.configPath) : quickConfig(cmd.quick), cmd.overrides);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`reference: invalid configuration:\n${err.message}\n`);
      return 1;
    }
    throw err;
  }

  // Loaded only now: --help and usage errors do not pay for loading the data path.
  const { formatAddress, ProxyServer } = await import('./server');
  let shuttingDown = false;
  const shutdown = (signal: string) => {
    if (shuttingDown) {
      // A second Ctrl-C: do not wait for the graceful close.
      process.stderr.write(`reference: ${signal} again, exiting now\n`);
      process.exit(1);
    }
    shuttingDown = true;
    server.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`reference: error while stopping: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  const server = new ProxyServer({ version, onQuit: () => shutdown('quitquitquit') });
  try {
    const bound = await server.start(config);
    const lines = bound.listeners.map((l) => `listener "${l.name}" on ${formatAddress(l.address, l.port)}`);
    if (bound.admin) lines.push(`admin on ${formatAddress(bound.admin.address, bound.admin.port)}`);
    process.stdout.write(lines.map((l) => `${l}\n`).join(''));
  } catch (err) {
    return fail((err as Error).message);
  }
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  return undefined;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      if (code !== undefined) process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`reference: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
