/** Two controllers share one agent under namespaces of their own, as runs share a compose stack's agent. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DownstreamClient } from '../../harness/client/downstream_client';
import { Timeline } from '../../harness/timeline/timeline';
import { AgentClient, type SpawnedAgent, spawnLocalAgent } from '../../harness/upstream/agent_client';
import { AgentNamespace } from '../../harness/upstream/agent_namespace';

describe('agent namespaces', () => {
  let agent: SpawnedAgent;
  before(async () => {
    agent = await spawnLocalAgent(new Timeline());
  });
  after(() => agent.stop());

  it('map names both ways and drop what belongs to another namespace', () => {
    const ns = new AgentNamespace('run1.');
    assert.equal(ns.outward('app'), 'run1.app');
    assert.deepEqual(ns.inward({ t: 1n, actor: 'upstream:run1.app', kind: 'accept', conn: 'run1.app#1' }), {
      t: 1n,
      actor: 'upstream:app',
      kind: 'accept',
      conn: 'app#1',
    });
    assert.equal(ns.inward({ t: 1n, actor: 'upstream:app', kind: 'accept' }), undefined);
    assert.equal(ns.inward({ t: 1n, actor: 'upstream:run2.app', kind: 'accept' }), undefined);
    const plain = { t: 1n, actor: 'upstream:app', kind: 'accept' };
    assert.equal(new AgentNamespace().inward(plain), plain);
  });

  it('lets two runs start the same upstream name in one agent, each hearing only its own', async () => {
    const control = agent.client.controlAddress();
    const t1 = new Timeline();
    const t2 = new Timeline();
    const c1 = await AgentClient.connect(control.host, control.port, t1, { namespace: 'run1.' });
    const c2 = await AgentClient.connect(control.host, control.port, t2, { namespace: 'run2.' });
    // The un-namespaced controller's own "app" (like the compose stack's echo upstream) does not collide either.
    const plain = await agent.client.start('app', { reply: { status: 200, body: 'plain' } });
    try {
      const u1 = await c1.start('app', { reply: { status: 200, body: 'one' } });
      const u2 = await c2.start('app', { reply: { status: 200, body: 'two' } });
      assert.notEqual(u1.port, u2.port);
      const d = await DownstreamClient.connect(u1.host, u1.port, t1);
      try {
        await d.send('GET /only-one HTTP/1.1\r\nHost: h\r\n\r\n');
        const [r] = await d.responses(1, { timeoutMs: 5000 });
        assert.equal(r.body.toString(), 'one');
        const [req] = await u1.waitForRequests(1, 5000);
        assert.equal(req.connId, 'app#1');
      } finally {
        d.close();
      }
      await c2.command({ op: 'ping' });
      await c1.command({ op: 'ping' });
      assert.ok(t1.first({ actor: 'upstream:app', kind: 'accept', conn: 'app#1' }), t1.format());
      assert.equal(t2.first({ actor: 'upstream:app', kind: 'accept' }), undefined, t2.format());
      assert.equal(u2.connections.length, 0);
      const [rec] = await u1.fetchRecords();
      assert.deepEqual([rec.id, rec.requests[0]?.connId], ['app#1', 'app#1']);
      await u1.close();
      await u2.close();
      // Closed in the agent: the name is free again for that namespace only.
      await assert.rejects(c1.records('app'), /no upstream "run1\.app"/);
    } finally {
      c1.close();
      c2.close();
      await plain.close();
    }
  });
});
