import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Capability } from '../../harness/adapters/adapter';
import { missingCapabilities } from '../../steps/support/capabilities';

test('a scenario needing a capability the adapter lacks is reported, one it has is not', () => {
  const have = new Set<Capability>(['trailers']);
  assert.deepEqual(missingCapabilities(['@core', '@needs-trailers', '@needs-circuit-breakers'], have), [
    'circuit-breakers',
  ]);
  assert.deepEqual(missingCapabilities(['@core'], have), []);
});

test('a @needs- tag naming no capability is an error that lists the known ones', () => {
  assert.throws(
    () => missingCapabilities(['@needs-teleport'], new Set()),
    /unknown capability tag\(s\) @needs-teleport; known: /,
  );
});
