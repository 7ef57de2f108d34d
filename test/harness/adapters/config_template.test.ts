import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderTemplate, TemplateError, templateContext } from '../../../harness/adapters/config_template';
import { sampleTopology } from './sample_topology';

const ctx = () =>
  templateContext(
    sampleTopology(),
    { host: '127.0.0.1', port: 18085 },
    { tempDir: '/tmp/x', configPath: '/tmp/x/p.conf' },
  );

test('scalars: listener, paths, timeouts, limits, upstream lists by cluster name', () => {
  const out = renderTemplate(
    'listen {{listen_host}}:{{listen_port}} ({{listen}}) dir={{temp_dir}} conf={{config_path}}\n' +
      'connect={{connect_timeout_ms}} response={{response_timeout_ms}} head={{request_headers_timeout_ms}} ' +
      'idle={{downstream_idle_timeout_ms}}/{{upstream_idle_timeout_ms}} max={{max_request_headers_bytes}}/{{max_headers_count}} ' +
      'buf={{buffer_limit_bytes}} via={{via}}\na: {{upstream:a}}\nb: {{ upstream:b }}',
    ctx(),
  );
  assert.equal(
    out,
    'listen 127.0.0.1:18085 (127.0.0.1:18085) dir=/tmp/x conf=/tmp/x/p.conf\n' +
      'connect=100 response=1500 head=300 idle=400/2500 max=4096/20 buf=65536 via=1.1 h1pc\n' +
      'a: 127.0.0.1:9001 127.0.0.1:9003\nb: 127.0.0.1:9002',
  );
});

test('sections repeat over clusters, endpoints and routes; conditionals on booleans and empty strings', () => {
  const tpl = [
    '{{#clusters}}upstream {{id}} ({{name}}){{#keepalive}} keepalive{{/keepalive}}:{{#endpoints}} {{address}}{{/endpoints}}\n',
    '{{/clusters}}{{#routes}}{{index}} {{#exact}}= {{path}}{{/exact}}{{^exact}}^ {{prefix}}{{/exact}}',
    '{{#header_name}} if {{header_name}}{{#header_value}}={{header_value}}{{/header_value}}{{#header_present}} present{{/header_present}}{{/header_name}}',
    ' -> {{cluster_id}} t={{response_timeout_ms}}\n{{/routes}}',
  ].join('');
  assert.equal(
    renderTemplate(tpl, ctx()),
    'upstream cluster_0 (a) keepalive: 127.0.0.1:9001 127.0.0.1:9003\n' +
      'upstream cluster_1 (b): 127.0.0.1:9002\n' +
      '0 = /exact -> cluster_0 t=250\n' +
      '1 ^ /h if x-route=b -> cluster_1 t=1500\n' +
      '2 ^ /p if x-any present -> cluster_1 t=1500\n' +
      '3 ^ / -> cluster_0 t=1500\n',
  );
});

test('JSON views of the topology for templates that are JSON or for scripts', () => {
  const c = ctx();
  assert.deepEqual(JSON.parse(renderTemplate('{{upstreams_json}}', c)), {
    a: ['127.0.0.1:9001', '127.0.0.1:9003'],
    b: ['127.0.0.1:9002'],
  });
  assert.deepEqual(JSON.parse(renderTemplate('{{topology_json}}', c)), sampleTopology());
});

test('errors name the template line: unknown placeholder, unclosed or mismatched section, list used as a value', () => {
  assert.throws(
    () => renderTemplate('a\n{{nope}}', ctx(), 'my.tmpl'),
    (e: Error) => {
      assert.ok(e instanceof TemplateError);
      assert.match(e.message, /^my\.tmpl:2: unknown placeholder \{\{nope\}\} \(known here: .*listen_port/);
      return true;
    },
  );
  assert.throws(() => renderTemplate('{{upstream:zzz}}', ctx(), 't'), /t:1: unknown placeholder \{\{upstream:zzz\}\}/);
  assert.throws(() => renderTemplate('\n{{#routes}}x', ctx(), 't'), /t:2: \{\{#routes\}\} is never closed/);
  assert.throws(
    () => renderTemplate('{{#routes}}{{/clusters}}', ctx(), 't'),
    /closes \{\{#routes\}\} opened on line 1/,
  );
  assert.throws(() => renderTemplate('{{routes}}', ctx(), 't'), /is a list or object: use \{\{#routes\}\}/);
  // An inverted section over an absent name renders.
  assert.equal(renderTemplate('{{^absent}}default{{/absent}}', ctx()), 'default');
});
