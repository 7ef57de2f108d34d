import assert from 'node:assert/strict';
import * as net from 'node:net';
import { describe, it } from 'node:test';
import { isMasterAnswer, showProc, waitForMaster } from '../../../harness/docker/haproxy_master_cli';

/** `show proc` as haproxy 2.6's master CLI prints it. */
const MASTER_ANSWER = [
  '#<PID>          <type>          <reloads>       <uptime>        <version>      ',
  '1               master          3 [failed: 0]   0d00h00m01s     2.6.12-1+deb12u4',
  '# workers',
  '42              worker          0               0d00h00m00s     2.6.12-1+deb12u4',
  '# programs',
  '',
].join('\n');

/** A fake master CLI: the n-th connection (from 0) gets answer(n), then the server closes it. */
async function fakeCli(answer: (n: number, command: string) => string): Promise<{ port: number; close: () => void }> {
  let n = 0;
  const server = net.createServer((s) => {
    const i = n++;
    s.once('data', (b: Buffer) => s.end(answer(i, b.toString())));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}

describe('haproxy master CLI', () => {
  it('tells a master answer from anything else', () => {
    assert.equal(isMasterAnswer(MASTER_ANSWER), true);
    assert.equal(isMasterAnswer(''), false);
    assert.equal(isMasterAnswer('Unknown command.\n'), false);
  });

  it('asks show proc and quits, so the master closes the connection once it answered', async () => {
    const cli = await fakeCli((_n, command) => (command === 'show proc;quit\n' ? MASTER_ANSWER : 'bad command\n'));
    try {
      assert.equal(await showProc('127.0.0.1', cli.port), MASTER_ANSWER);
    } finally {
      cli.close();
    }
  });

  it('polls until the master answers (a re-executing master answers nothing)', async () => {
    const cli = await fakeCli((n) => (n < 3 ? '' : MASTER_ANSWER));
    try {
      await waitForMaster('127.0.0.1', cli.port, 5000);
    } finally {
      cli.close();
    }
  });

  it('gives up after its bound, saying what it last saw', async () => {
    const cli = await fakeCli(() => 'Unknown command.\n');
    try {
      await assert.rejects(
        waitForMaster('127.0.0.1', cli.port, 50),
        /no master answer within 50 ms \(answered "Unknown command/,
      );
    } finally {
      cli.close();
    }
  });
});
