import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyOverrides,
  CliUsageError,
  parseCommandLine,
  parseHostPort,
  quickConfig,
} from '../../../reference/config/quick_mode';

function usageError(argv: string[]): string {
  try {
    parseCommandLine(argv);
  } catch (err) {
    assert.ok(err instanceof CliUsageError, `expected CliUsageError, got ${String(err)}`);
    return err.message;
  }
  assert.fail(`expected ${argv.join(' ')} to be refused`);
}

describe('parseHostPort', () => {
  it('accepts IPv4, bracketed IPv6 and host names', () => {
    assert.deepEqual(parseHostPort('127.0.0.1:8080', 'listen', 0), { address: '127.0.0.1', port: 8080 });
    assert.deepEqual(parseHostPort('[::1]:0', 'listen', 0), { address: '::1', port: 0 });
    assert.deepEqual(parseHostPort('localhost:9000', 'upstream', 1), { address: 'localhost', port: 9000 });
  });

  it('names the flag and the expected form', () => {
    assert.throws(() => parseHostPort('8080', 'listen', 0), {
      message: '--listen: expected HOST:PORT (e.g. 127.0.0.1:8080 or [::1]:8080), got "8080"',
    });
    assert.throws(() => parseHostPort('::1:80', 'listen', 0), /--listen: expected HOST:PORT/);
    assert.throws(() => parseHostPort('a b:80', 'listen', 0), /--listen: expected HOST:PORT/);
    assert.throws(() => parseHostPort('127.0.0.1:0', 'upstream', 1), {
      message: '--upstream: expected a port 1..65535, got "127.0.0.1:0"',
    });
    assert.throws(() => parseHostPort('127.0.0.1:65536', 'admin', 0), /--admin: expected a port 0\.\.65535/);
  });
});

describe('parseCommandLine', () => {
  it('quick mode: several --upstream make one round-robin cluster behind prefix /', () => {
    const cmd = parseCommandLine([
      '--listen',
      '127.0.0.1:8080',
      '--upstream',
      '127.0.0.1:9000',
      '--upstream=127.0.0.1:9001',
    ]);
    assert.equal(cmd.kind, 'run');
    assert.ok(cmd.kind === 'run' && cmd.quick);
    const config = quickConfig(cmd.quick);
    assert.deepEqual(
      config.listeners.map((l) => [l.name, l.address, l.port]),
      [['default', '127.0.0.1', 8080]],
    );
    const route = config.listeners[0].http.route_config.virtual_hosts[0].routes[0];
    assert.deepEqual(route.match.prefix, '/');
    assert.equal(route.route?.cluster, 'default');
    assert.equal(config.clusters[0].name, 'default');
    assert.equal(config.clusters[0].lb_policy, 'round_robin');
    assert.deepEqual(config.clusters[0].endpoints, [
      { address: '127.0.0.1', port: 9000 },
      { address: '127.0.0.1', port: 9001 },
    ]);
    assert.equal(config.clusters[0].connect_timeout_ms, 5000, 'defaults are filled');
  });

  it('--config with overrides', () => {
    const cmd = parseCommandLine([
      '--config',
      'x.yaml',
      '--admin',
      '127.0.0.1:0',
      '--trace',
      '-',
      '--access-log',
      'a.log',
    ]);
    assert.deepEqual(cmd, {
      kind: 'run',
      configPath: 'x.yaml',
      overrides: { admin: { address: '127.0.0.1', port: 0 }, trace: '-', accessLog: 'a.log' },
    });
    assert.ok(cmd.kind === 'run');
    const base = quickConfig(undefined);
    const config = applyOverrides({ ...base, admin: { address: '0.0.0.0', port: 1 } }, cmd.overrides);
    assert.deepEqual(config.admin, { address: '127.0.0.1', port: 0 });
    assert.deepEqual(config.trace, { enabled: true, path: '-', buffer_events: 100_000 });
    assert.deepEqual(config.access_log, { path: 'a.log' });
    assert.deepEqual(applyOverrides(base, {}), base);
  });

  it('--admin alone starts with no listener', () => {
    const cmd = parseCommandLine(['--admin', '127.0.0.1:9901']);
    assert.ok(cmd.kind === 'run' && !cmd.quick && !cmd.configPath);
    assert.deepEqual(quickConfig(cmd.quick).listeners, []);
  });

  it('--help and --version win over everything else', () => {
    assert.deepEqual(parseCommandLine(['--help']), { kind: 'help' });
    assert.deepEqual(parseCommandLine(['-h', '--listen', 'bad']), { kind: 'help' });
    assert.deepEqual(parseCommandLine(['--version']), { kind: 'version' });
    assert.deepEqual(parseCommandLine(['-v']), { kind: 'version' });
  });

  it('refuses bad flags with a message naming the flag', () => {
    assert.equal(usageError(['--lisen', '1.2.3.4:1']), 'unknown flag --lisen');
    assert.equal(usageError(['--listen']), '--listen: expected a value');
    assert.equal(usageError(['stray']), 'unexpected argument stray');
    assert.equal(
      usageError([]),
      'expected --listen HOST:PORT with --upstream HOST:PORT, or --config FILE, or --admin HOST:PORT',
    );
    assert.equal(
      usageError(['--listen', '127.0.0.1:1']),
      '--listen: expected at least one --upstream HOST:PORT with it',
    );
    assert.equal(
      usageError(['--upstream', '127.0.0.1:1']),
      '--upstream: expected together with --listen HOST:PORT (quick mode)',
    );
    assert.match(
      usageError(['--listen', '127.0.0.1:1', '--upstream', '127.0.0.1:2', '--config', 'c.yaml']),
      /--listen and --config: expected one of them/,
    );
    assert.equal(
      usageError(['--listen', '127.0.0.1:1', '--listen', '127.0.0.1:2']),
      '--listen: expected once, given 2 times',
    );
    assert.match(usageError(['--listen', 'nope', '--upstream', '127.0.0.1:2']), /^--listen: expected HOST:PORT/);
    assert.match(
      usageError(['--listen', '127.0.0.1:1', '--upstream', '127.0.0.1:x']),
      /^--upstream: expected HOST:PORT/,
    );
    assert.match(usageError(['--config', 'c.yaml', '--admin', 'x']), /^--admin: expected HOST:PORT/);
    assert.equal(usageError(['--config', 'c.yaml', '--trace', '']), '--trace: expected a value, got ""');
  });
});
