import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Route, VirtualHost } from '../../../reference/config/config';
import { RouteTable, stripPort } from '../../../reference/router/route_table';

function r(match: Route['match'], cluster: string, extra: Partial<Route> = {}): Route {
  return { match, route: { cluster, timeout_ms: 15000 }, ...extra };
}

function table(vhosts: VirtualHost[]): RouteTable {
  return new RouteTable({ name: 'rc', virtual_hosts: vhosts });
}

const req = (authority: string, path: string, headers: Array<[string, string]> = []) => ({ authority, path, headers });

test('virtual host: exact domain beats *.suffix beats prefix.* beats *, port ignored', () => {
  const t = table([
    { name: 'any', domains: ['*'], routes: [r({ prefix: '/', headers: [] }, 'any')] },
    { name: 'suffix', domains: ['*.example.com'], routes: [r({ prefix: '/', headers: [] }, 'suffix')] },
    { name: 'longer', domains: ['*.api.example.com'], routes: [r({ prefix: '/', headers: [] }, 'longer')] },
    { name: 'prefix', domains: ['api.*'], routes: [r({ prefix: '/', headers: [] }, 'prefix')] },
    { name: 'exact', domains: ['www.example.com'], routes: [r({ prefix: '/', headers: [] }, 'exact')] },
  ]);
  assert.equal(t.route(req('www.example.com:8080', '/'))?.cluster, 'exact');
  assert.equal(t.route(req('WWW.Example.com', '/'))?.cluster, 'exact');
  assert.equal(t.route(req('a.example.com', '/'))?.cluster, 'suffix');
  assert.equal(t.route(req('x.api.example.com', '/'))?.cluster, 'longer');
  assert.equal(t.route(req('example.com', '/'))?.cluster, 'any', '*.example.com does not match the bare domain');
  assert.equal(t.route(req('api.other.org', '/'))?.cluster, 'prefix');
  assert.equal(t.route(req('[::1]:80', '/'))?.cluster, 'any');
});

test('no catch-all virtual host: unknown host has no route', () => {
  const t = table([{ name: 'a', domains: ['a.test'], routes: [r({ prefix: '/', headers: [] }, 'a')] }]);
  assert.equal(t.route(req('b.test', '/')), undefined);
});

test('path matchers: prefix (with query), exact path and safe_regex ignore the query; first match wins', () => {
  const t = table([
    {
      name: 'v',
      domains: ['*'],
      routes: [
        r({ path: '/exact', headers: [] }, 'exact'),
        r({ safe_regex: '/items/[0-9]+', headers: [] }, 'regex'),
        r({ prefix: '/api', headers: [] }, 'prefix'),
      ],
    },
  ]);
  assert.equal(t.route(req('h', '/exact?x=1'))?.cluster, 'exact');
  assert.equal(t.route(req('h', '/exact/more')), undefined);
  assert.equal(t.route(req('h', '/items/42?q'))?.cluster, 'regex');
  assert.equal(t.route(req('h', '/items/42x')), undefined, 'regex is a full match');
  assert.equal(t.route(req('h', '/api/v1'))?.cluster, 'prefix');
  assert.equal(t.route(req('h', '/apix'))?.cluster, 'prefix');
});

test('header matchers: present, absent, exact, prefix, regex, invert', () => {
  const routes: Route[] = [
    r({ prefix: '/', headers: [{ name: 'x-exact', exact_match: 'yes', invert_match: false }] }, 'exact'),
    r({ prefix: '/', headers: [{ name: 'x-prefix', prefix_match: 'ab', invert_match: false }] }, 'prefix'),
    r({ prefix: '/', headers: [{ name: 'x-re', safe_regex_match: '[0-9]{3}', invert_match: false }] }, 'regex'),
    r({ prefix: '/', headers: [{ name: 'x-absent', present_match: false, invert_match: false }] }, 'absent'),
    r({ prefix: '/', headers: [{ name: 'x-not', exact_match: 'no', invert_match: true }] }, 'inverted'),
    r({ prefix: '/', headers: [] }, 'fallback'),
  ];
  const t = table([{ name: 'v', domains: ['*'], routes }]);
  // x-absent absent matches 'absent' unless an earlier route matched: give every request x-absent to skip it.
  const base: Array<[string, string]> = [['X-Absent', '1']];
  assert.equal(t.route(req('h', '/', [...base, ['X-Exact', 'yes']]))?.cluster, 'exact');
  assert.equal(t.route(req('h', '/', [...base, ['x-exact', 'YES']]))?.cluster, 'inverted');
  assert.equal(t.route(req('h', '/', [...base, ['x-prefix', 'abc']]))?.cluster, 'prefix');
  assert.equal(t.route(req('h', '/', [...base, ['x-re', '123']]))?.cluster, 'regex');
  assert.equal(t.route(req('h', '/', [...base, ['x-re', '1234']]))?.cluster, 'inverted');
  assert.equal(t.route(req('h', '/', []))?.cluster, 'absent');
  assert.equal(t.route(req('h', '/', [...base, ['x-not', 'no']]))?.cluster, 'fallback');
});

test('prefix_rewrite replaces the matched prefix, or the whole path of an exact match, keeping the query', () => {
  const t = table([
    {
      name: 'v',
      domains: ['*'],
      routes: [
        { match: { path: '/old', headers: [] }, route: { cluster: 'c', timeout_ms: 0, prefix_rewrite: '/new' } },
        { match: { prefix: '/api/', headers: [] }, route: { cluster: 'c', timeout_ms: 0, prefix_rewrite: '/' } },
      ],
    },
  ]);
  assert.equal(t.route(req('h', '/old?a=1'))?.rewritePath('/old?a=1'), '/new?a=1');
  assert.equal(t.route(req('h', '/api/users?x'))?.rewritePath('/api/users?x'), '/users?x');
});

test('bad configuration is reported with the field path', () => {
  assert.throws(
    () => table([{ name: 'v', domains: ['*'], routes: [r({ safe_regex: '([', headers: [] }, 'c')] }]),
    /route_config\.virtual_hosts\[0\]\.routes\[0\]\.match\.safe_regex: invalid regular expression/,
  );
  assert.throws(
    () =>
      table([
        { name: 'a', domains: ['x.test'], routes: [] },
        { name: 'b', domains: ['X.test'], routes: [] },
      ]),
    /virtual_hosts\[1\]\.domains: domain 'X.test' is already used/,
  );
  assert.throws(
    () => table([{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/', headers: [] } }] }]),
    /routes\[0\]: expected exactly one of 'route' or 'direct_response'/,
  );
});

test('stripPort', () => {
  assert.equal(stripPort('a.test:80'), 'a.test');
  assert.equal(stripPort('a.test'), 'a.test');
  assert.equal(stripPort('[::1]:8080'), '[::1]');
});
