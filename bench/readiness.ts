import http from 'node:http';
import type { ManagedChild } from './child_registry';

/** Thrown when a child is not ready in time or dies first; the message carries the child's last output. */
export class NotReadyError extends Error {}

function describeEnd(child: ManagedChild): string {
  const exit = child.exitStatus;
  if (exit === undefined) return 'still running';
  return exit.signal !== null ? `killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

function withOutput(child: ManagedChild, message: string): string {
  const output = child.outputTail();
  return output === '' ? `${message} (no output)` : `${message}; its last output:\n${indent(output)}`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}

/** Resolves with the match of the first output line matching pattern; rejects if the child exits or time runs out. */
export function waitForOutputLine(child: ManagedChild, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const onLine = (line: string): void => {
      const match = line.match(pattern);
      if (match === null) return;
      finish();
      resolve(match);
    };
    const timer = setTimeout(() => {
      finish();
      reject(
        new NotReadyError(withOutput(child, `${child.name} printed no line matching ${pattern} in ${timeoutMs} ms`)),
      );
    }, timeoutMs);
    let settled = false;
    const finish = (): void => {
      settled = true;
      clearTimeout(timer);
      child.off('line', onLine);
    };
    child.on('line', onLine);
    void child.exited.then(() => {
      if (settled) return;
      finish();
      reject(new NotReadyError(withOutput(child, `${child.name} ${describeEnd(child)} before it was ready`)));
    });
  });
}

/**
 * Calls probe every intervalMs until it returns true; rejects after timeoutMs or when the child exits.
 * Probe errors count as "not yet" (the port may not be open yet); the last one is reported on timeout.
 */
export async function pollUntilReady(
  child: ManagedChild,
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastProblem = 'no attempt finished';
  for (;;) {
    if (child.exitStatus !== undefined) {
      throw new NotReadyError(withOutput(child, `${child.name} ${describeEnd(child)} while waiting for ${what}`));
    }
    try {
      if (await probe()) return;
      lastProblem = 'probe answered "not ready"';
    } catch (error) {
      lastProblem = (error as Error).message;
    }
    if (Date.now() >= deadline) {
      throw new NotReadyError(
        withOutput(child, `${child.name}: ${what} not ready after ${timeoutMs} ms (${lastProblem})`),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** One GET on a fresh connection; resolves with the status code once the body has been read. */
export function httpGetStatus(host: string, port: number, path: string, timeoutMs = 2000): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host, port, path, agent: false, timeout: timeoutMs }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`GET http://${host}:${port}${path} timed out`)));
    request.on('error', reject);
  });
}
