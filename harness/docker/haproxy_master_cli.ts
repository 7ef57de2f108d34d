import * as net from 'node:net';

/**
 * haproxy's master CLI (`-S`), used only to learn that the master is in its main loop. A SIGUSR2 that reaches the
 * master while it re-executes itself (the tail of the previous reload) is lost: as PID 1 of its container it has
 * no handler for it at that moment, and the kernel drops signals PID 1 does not handle (measured: about 1 reload
 * in 60 when signalled right after the new listener opened). Only the master in its loop answers this CLI, so an
 * answer means the next signal is handled.
 */

const POLL_MS = 5;

/** One `show proc` round trip: resolves with the master's answer, rejects when it refuses or stays silent. */
export function showProc(host: string, port: number, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const parts: Buffer[] = [];
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    // The master CLI keeps a connection open after a command; `quit` makes it close once it answered.
    socket.once('connect', () => socket.write('show proc;quit\n'));
    socket.on('data', (b: Buffer) => parts.push(b));
    socket.once('error', reject);
    socket.once('close', () => resolve(Buffer.concat(parts).toString('utf8')));
  });
}

/** True when a `show proc` answer comes from a master (its own line is there). */
export function isMasterAnswer(text: string): boolean {
  return /^\d+\s+master\s/m.test(text);
}

/** Polls the master CLI until the master answers; rejects after `timeoutMs`. */
export async function waitForMaster(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const answer = await showProc(host, port);
      if (isMasterAnswer(answer)) return;
      last = `answered ${JSON.stringify(answer.slice(0, 200))}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline)
      throw new Error(`haproxy master CLI at ${host}:${port}: no master answer within ${timeoutMs} ms (${last})`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
