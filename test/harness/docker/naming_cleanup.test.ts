import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cleanupCommands } from '../../../harness/docker/cleanup';
import { imageTag, newRunId, RUN_LABEL, runNames } from '../../../harness/docker/naming';

describe('docker naming', () => {
  it('gives every run its own id, valid in Docker names', () => {
    const ids = new Set(Array.from({ length: 50 }, () => newRunId()));
    assert.equal(ids.size, 50);
    for (const id of ids) assert.match(id, /^[a-z0-9][a-z0-9-]{2,40}$/);
    // Two runs started in the same millisecond by the same process still differ.
    assert.notEqual(newRunId(1000), newRunId(1000));
  });

  it('derives network and container names from the run id', () => {
    const n = runNames('abc-12');
    assert.equal(n.network, 'h1pc-abc-12');
    assert.equal(n.container('proxy'), 'h1pc-abc-12-proxy');
    assert.equal(n.container('Http_Proxy'), 'h1pc-abc-12-http-proxy');
    assert.throws(() => runNames('Bad Id'), /docker run id "Bad Id": expected 3-41 lowercase/);
  });

  it('tags images by content hash', () => {
    assert.equal(imageTag('h1pc-agent', 'ab'.repeat(32)), 'h1pc-agent:abababababababab');
    assert.throws(() => imageTag('h1pc-agent', 'not-hex'), /image h1pc-agent: expected a hex content hash/);
  });
});

describe('docker cleanup', () => {
  it('finds containers by the run label and removes the network after them', () => {
    const cmds = cleanupCommands({ runId: 'r1x', network: 'h1pc-r1x' });
    assert.deepEqual(cmds[0], ['docker', 'ps', '-aq', '--filter', `label=${RUN_LABEL}=r1x`]);
    assert.deepEqual(cmds[1], ['docker', 'network', 'rm', 'h1pc-r1x']);
    assert.equal(cleanupCommands({ runId: 'r1x' }).length, 1);
  });
});
