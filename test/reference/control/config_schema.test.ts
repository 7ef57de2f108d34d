import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, formatFieldPath, loadConfigFile, parseConfig } from '../../../reference/config/load_config';
import { renderConfigJsonSchema, SCHEMA_PATH } from '../../../scripts/gen-config-schema';

const dir = mkdtempSync(join(tmpdir(), 'ref-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function writeTemp(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The errors of a config that must fail (the test fails if it loads). */
function errorsOf(text: string, format: 'yaml' | 'json' = 'yaml'): string[] {
  try {
    parseConfig(text, 'cfg', format);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err.errors;
  }
  assert.fail('expected the config to be rejected');
}

const MINIMAL = `listeners:
  - name: main
    address: 127.0.0.1
    port: 0
    http:
      route_config:
        virtual_hosts:
          - routes:
              - match: { prefix: / }
                route: { cluster: backend }
clusters:
  - name: backend
    endpoints:
      - { address: 127.0.0.1, port: 9000 }
`;

describe('config defaults', () => {
  it('fills every documented default', () => {
    const c = parseConfig(MINIMAL, 'cfg', 'yaml');
    const l = c.listeners[0];
    assert.equal(l.http.stat_prefix, 'main', 'stat_prefix defaults to the listener name');
    assert.equal(l.http.max_request_headers_bytes, 60 * 1024);
    assert.equal(l.http.max_headers_count, 100);
    assert.equal(l.http.per_connection_buffer_limit_bytes, 1024 * 1024);
    assert.equal(l.http.request_headers_timeout_ms, 0);
    assert.equal(l.http.idle_timeout_ms, 3_600_000);
    assert.equal(l.http.stream_idle_timeout_ms, 300_000);
    assert.equal(l.http.via, undefined);
    assert.equal(l.http.append_x_forwarded_for, true);
    assert.equal(l.http.generate_request_id, true);
    assert.equal(l.http.forward_trailers, false);
    assert.equal(l.http.proxy_100_continue, false);
    assert.equal(l.http.accept_http_10, true);
    assert.equal(l.http.server_name, 'envoy');
    assert.equal(l.http.delayed_close_timeout_ms, 1000);
    assert.equal(l.http.route_config.name, 'local_route');
    const vh = l.http.route_config.virtual_hosts[0];
    assert.equal(vh.name, 'default');
    assert.deepEqual(vh.domains, ['*']);
    assert.deepEqual(vh.routes[0].match.headers, []);
    assert.equal(vh.routes[0].route?.timeout_ms, 15_000);
    const cl = c.clusters[0];
    assert.equal(cl.lb_policy, 'round_robin');
    assert.equal(cl.connect_timeout_ms, 5000);
    assert.equal(cl.idle_timeout_ms, 3_600_000);
    assert.equal(cl.max_requests_per_connection, 0);
    assert.equal(cl.per_connection_buffer_limit_bytes, 1024 * 1024);
    assert.deepEqual(cl.circuit_breakers, { max_connections: 1024, max_pending_requests: 1024, max_requests: 1024 });
    assert.deepEqual(c.trace, { enabled: false, buffer_events: 100_000 });
    assert.deepEqual(c.access_log, {});
    assert.equal(c.admin, undefined);
  });

  it('keeps explicit values and fills defaults of partial nested objects', () => {
    const c = parseConfig(
      MINIMAL.replace('    endpoints:', '    circuit_breakers: { max_connections: 7 }\n    endpoints:') +
        'admin: { port: 9901 }\ntrace: { enabled: true }\n',
      'cfg',
      'yaml',
    );
    assert.deepEqual(c.clusters[0].circuit_breakers, {
      max_connections: 7,
      max_pending_requests: 1024,
      max_requests: 1024,
    });
    assert.deepEqual(c.admin, { address: '127.0.0.1', port: 9901 });
    assert.equal(c.trace.enabled, true);
  });

  it('does not share default arrays between configs', () => {
    const a = parseConfig(MINIMAL, 'a', 'yaml');
    a.listeners[0].http.route_config.virtual_hosts[0].domains.push('x');
    const b = parseConfig(MINIMAL, 'b', 'yaml');
    assert.deepEqual(b.listeners[0].http.route_config.virtual_hosts[0].domains, ['*']);
  });

  it('loads the documented example', () => {
    const c = loadConfigFile(join(__dirname, '../../../examples/reference.yaml'));
    assert.equal(c.listeners[0].name, 'main');
    assert.deepEqual(
      c.clusters.map((x) => x.name),
      ['backend', 'canary'],
    );
  });
});

describe('config errors', () => {
  it('names file, line:col, field path, expectation and the value (the brief example)', () => {
    const path = writeTemp(
      'bad.yaml',
      MINIMAL.replace(
        '      - { address: 127.0.0.1, port: 9000 }',
        '      - { address: 127.0.0.1, port: 9000 }\n      - { address: 127.0.0.1, port: 80a }',
      ),
    );
    assert.throws(
      () => loadConfigFile(path),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.deepEqual(err.errors, [
          `${path}:15:37: clusters[0].endpoints[1].port: expected an integer 1..65535, got "80a"`,
        ]);
        return true;
      },
    );
  });

  it('reports every error, sorted by position, not only the first', () => {
    const errors = errorsOf(
      MINIMAL.replace('port: 0', 'port: 70000').replace('- name: backend', '- name: backend\n    lb_policy: fastest') +
        'trace: { enabled: yes }\n',
    );
    assert.deepEqual(errors, [
      'cfg:4:11: listeners[0].port: expected an integer 0..65535, got 70000',
      'cfg:13:16: clusters[0].lb_policy: expected one of round_robin, random, least_request, got "fastest"',
      'cfg:16:19: trace.enabled: expected true or false, got "yes"',
    ]);
  });

  it('rejects unknown fields, naming the field and listing the valid ones', () => {
    const errors = errorsOf(MINIMAL.replace('    port: 0', '    port: 0\n    htp: {}'));
    assert.equal(errors.length, 1);
    assert.equal(errors[0], 'cfg:5:5: listeners[0].htp: unknown field "htp"; valid fields: name, address, port, http');
  });

  it('names a missing required field at its parent', () => {
    const errors = errorsOf(MINIMAL.replace('    address: 127.0.0.1\n    port: 0\n', '    port: 0\n'));
    assert.deepEqual(errors, [
      'cfg:2:5: listeners[0].address: missing required field, expected an IP address or host name',
    ]);
  });

  it('rejects wrong types and bad addresses', () => {
    const errors = errorsOf(
      MINIMAL.replace('{ address: 127.0.0.1, port: 9000 }', '{ address: "not a host!", port: 9000.5 }').replace(
        'clusters:',
        'access_log: { path: 3 }\nclusters:',
      ),
    );
    assert.deepEqual(errors, [
      'cfg:11:21: access_log.path: expected a file path or "-" for stdout, got 3',
      'cfg:15:20: clusters[0].endpoints[0].address: expected an IP address or host name, got "not a host!"',
      'cfg:15:41: clusters[0].endpoints[0].port: expected an integer 1..65535, got 9000.5',
    ]);
  });

  it('requires a route to name a defined cluster (and names the route)', () => {
    const errors = errorsOf(
      MINIMAL.replace('- match: { prefix: / }', '- name: api\n                match: { prefix: / }').replace(
        'cluster: backend',
        'cluster: nope',
      ),
    );
    assert.equal(errors.length, 1);
    assert.match(
      errors[0],
      /^cfg:11:35: listeners\[0\]\.http\.route_config\.virtual_hosts\[0\]\.routes\[0\]\.route\.cluster: /,
    );
    assert.match(errors[0], /route "api" refers to unknown cluster "nope" \(clusters: backend\)/);
  });

  it('requires unique listener and cluster names', () => {
    const errors = errorsOf(
      `${MINIMAL}  - name: backend\n    endpoints: []\n`.replace(
        'listeners:\n',
        'listeners:\n  - name: main\n    address: 127.0.0.1\n    port: 0\n    http: { route_config: { virtual_hosts: [] } }\n',
      ),
    );
    assert.deepEqual(
      errors.map((e) => e.replace(/ \(.*$/, '')),
      [
        'cfg:6:11: listeners[1].name: expected a unique listener name',
        'cfg:19:11: clusters[1].name: expected a unique cluster name',
      ],
    );
  });

  it('requires exactly one of prefix, path, safe_regex', () => {
    assert.match(
      errorsOf(MINIMAL.replace('{ prefix: / }', '{ prefix: /, path: /x }'))[0],
      /routes\[0\]\.match: expected exactly one of prefix, path, safe_regex \(got prefix and path\)/,
    );
    assert.match(
      errorsOf(MINIMAL.replace('{ prefix: / }', '{ headers: [] }'))[0],
      /match: expected exactly one of prefix, path, safe_regex \(got none\)/,
    );
  });

  it('requires exactly one of route, direct_response', () => {
    assert.match(
      errorsOf(
        MINIMAL.replace(
          'route: { cluster: backend }',
          'route: { cluster: backend }\n                direct_response: { status: 200 }',
        ),
      )[0],
      /routes\[0\]: expected exactly one of route, direct_response \(got both\)/,
    );
    assert.match(
      errorsOf(MINIMAL.replace('                route: { cluster: backend }\n', ''))[0],
      /routes\[0\]: expected exactly one of route, direct_response \(got none\)/,
    );
  });

  it('rejects invalid regular expressions in routes and header matchers', () => {
    const errors = errorsOf(
      MINIMAL.replace('{ prefix: / }', '{ safe_regex: "(", headers: [{ name: x, safe_regex_match: "[" }] }'),
    );
    assert.equal(errors.length, 2);
    assert.match(errors[0], /match\.safe_regex: expected a valid regular expression: .*Unterminated group/);
    assert.match(errors[1], /match\.headers\[0\]\.safe_regex_match: expected a valid regular expression/);
  });

  it('rejects a header matcher with two kinds of match', () => {
    const errors = errorsOf(
      MINIMAL.replace('{ prefix: / }', '{ prefix: /, headers: [{ name: x, exact_match: a, prefix_match: b }] }'),
    );
    assert.match(errors[0], /headers\[0\]: expected at most one of exact_match, prefix_match/);
  });

  it('rejects two listeners on one address and a domain in two virtual hosts', () => {
    const twoVhosts = MINIMAL.replace(
      '          - routes:',
      '          - name: a\n            domains: [x.test]\n            routes: []\n          - name: b\n            domains: [X.test]\n            routes:',
    );
    const errors = errorsOf(
      twoVhosts.replace(
        'listeners:\n',
        'listeners:\n  - name: other\n    address: 127.0.0.1\n    port: 8080\n    http: { route_config: { virtual_hosts: [] } }\n  - name: other2\n    address: 127.0.0.1\n    port: 8080\n    http: { route_config: { virtual_hosts: [] } }\n',
      ),
    );
    assert.deepEqual(
      errors.map((e) => e.replace(/ \(.*$/, '')),
      [
        'cfg:8:11: listeners[1].port: expected a free address',
        'cfg:20:23: listeners[2].http.route_config.virtual_hosts[1].domains[0]: expected a domain unique in the route configuration',
      ],
    );
  });

  it('gives line:col for YAML syntax errors', () => {
    const errors = errorsOf('listeners:\n  - name: [a\nclusters: []\n');
    assert.ok(errors.length >= 1);
    assert.match(errors[0], /^cfg:\d+:\d+: YAML syntax error: /);
    assert.doesNotMatch(errors[0], /at line/);
  });

  it('reports duplicate keys as syntax errors', () => {
    assert.match(errorsOf('listeners: []\nlisteners: []\n')[0], /^cfg:2:1: YAML syntax error: Map keys must be unique/);
  });

  it('gives line:col in JSON files, including for strict-JSON syntax errors', () => {
    const bad = writeTemp(
      'bad.json',
      '{\n  "listeners": [],\n  "clusters": [\n    {"name": "a", "endpoints": [{"address": "127.0.0.1", "port": "x"}]}\n  ]\n}\n',
    );
    assert.throws(() => loadConfigFile(bad), {
      message: `${bad}:4:66: clusters[0].endpoints[0].port: expected an integer 1..65535, got "x"`,
    });
    const trailingComma = writeTemp('comma.json', '{\n  "listeners": [],\n}\n');
    assert.throws(
      () => loadConfigFile(trailingComma),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(
          err.errors[0],
          new RegExp(`^${trailingComma.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:1: JSON syntax error: `),
        );
        return true;
      },
    );
    const ok = writeTemp('ok.json', JSON.stringify({ listeners: [], clusters: [] }));
    assert.deepEqual(loadConfigFile(ok).listeners, []);
  });

  it('rejects an empty document, an unknown extension and a missing file', () => {
    assert.deepEqual(errorsOf(''), ['cfg:1:1: (root): expected a mapping (key: value fields), got null']);
    assert.throws(
      () => loadConfigFile(writeTemp('c.toml', 'x')),
      /c\.toml: expected a config file ending in \.yaml, \.yml or \.json/,
    );
    assert.throws(
      () => loadConfigFile(join(dir, 'missing.yaml')),
      /missing\.yaml: cannot read the config file \(ENOENT\)/,
    );
  });

  it('formats field paths', () => {
    assert.equal(formatFieldPath([]), '(root)');
    assert.equal(formatFieldPath(['clusters', 0, 'endpoints', 1, 'port']), 'clusters[0].endpoints[1].port');
    assert.equal(formatFieldPath(['a', 'b c']), 'a["b c"]');
  });
});

describe('published JSON Schema', () => {
  it('schema/reference-config.schema.json is what scripts/gen-config-schema.ts generates', () => {
    // Compared as JSON: the committed file is biome-formatted.
    const committed = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));
    assert.deepEqual(
      committed,
      JSON.parse(renderConfigJsonSchema()),
      'schema is stale: run node -r ts-node/register/transpile-only scripts/gen-config-schema.ts',
    );
  });

  it('describes the input form: defaulted fields optional, unknown fields refused', () => {
    const schema = JSON.parse(renderConfigJsonSchema());
    assert.deepEqual(schema.required, ['listeners']);
    assert.equal(schema.additionalProperties, false);
    const cluster = schema.properties.clusters.items;
    assert.deepEqual(cluster.required, ['name', 'endpoints']);
    assert.equal(cluster.properties.endpoints.items.properties.port.type, 'integer');
  });
});
