/**
 * Lifecycle: one adapter per worker (started in BeforeAll, stopped in AfterAll); per scenario, a capability gate
 * before and, after, the always-on invariant check, failure diagnostics and cleanup of every socket.
 */
import {
  After,
  AfterAll,
  Before,
  BeforeAll,
  type ITestCaseHookParameter,
  Status,
  setDefaultTimeout,
} from '@cucumber/cucumber';
import type { ProxyAdapter } from '../harness/adapters/adapter';
import { environment } from '../harness/environment';
import { writeImplementationInfo } from '../harness/report/implementation_info';
import { missingCapabilities } from './support/capabilities';
import { upstreamBytesReport } from './support/describe';
import { type ConformanceWorld, getAdapter, setAdapter } from './world';

setDefaultTimeout(20_000);

export const NOT_SUPPORTED_MEDIA_TYPE = 'application/vnd.conformance.not-supported+json';

BeforeAll({ timeout: 120_000 }, async () => {
  const adapter = environment().createAdapter(process.env.CONFORMANCE_TARGET ?? 'reference');
  await adapter.start();
  setAdapter(adapter);
  // The conformance report names the implementation and version it ran against.
  writeImplementationInfo(await adapter.info());
});

AfterAll({ timeout: 60_000 }, async () => {
  let adapter: ProxyAdapter | undefined;
  try {
    adapter = getAdapter();
  } catch {
    return;
  }
  setAdapter(undefined);
  await adapter.stop();
  await environment().dispose();
});

Before(function (this: ConformanceWorld, { pickle }: ITestCaseHookParameter) {
  this.tags = pickle.tags.map((t) => t.name);
  const missing = missingCapabilities(this.tags, getAdapter().capabilities);
  if (missing.length > 0) {
    this.attach(JSON.stringify({ notSupported: missing }), NOT_SUPPORTED_MEDIA_TYPE);
    return 'skipped';
  }
  return undefined;
});

After({ timeout: 60_000 }, async function (this: ConformanceWorld, { result }: ITestCaseHookParameter) {
  if (result?.status === Status.SKIPPED) {
    await this.closeAll();
    return;
  }
  let violation: Error | undefined;
  try {
    if (this.endpoint) {
      const broken = (await this.invariantResults()).filter((r) => r.violations.length > 0);
      if (broken.length > 0)
        violation = new Error(
          `invariant violated:\n${broken
            .map((r) => `${r.id}: ${r.statement}\n  - ${r.violations.join('\n  - ')}`)
            .join('\n')}`,
        );
    }
    if (violation || result?.status === Status.FAILED) await attachDiagnostics(this);
  } finally {
    await this.closeAll();
  }
  if (violation) throw violation;
});

async function attachDiagnostics(world: ConformanceWorld): Promise<void> {
  world.attach(`timeline:\n${world.timeline.format()}`, 'text/plain');
  world.attach(
    `exchange (bytes both sides):\n${world.timeline.exchangeReport({ maxBytesPerEvent: 2048 })}`,
    'text/plain',
  );
  world.attach(`what each upstream received:\n${upstreamBytesReport([...world.upstreams.values()])}`, 'text/plain');
  let logs = '';
  try {
    logs = getAdapter().logs();
  } catch (err) {
    logs = `(no adapter logs: ${(err as Error).message})`;
  }
  world.attach(`proxy logs:\n${logs || '(empty)'}`, 'text/plain');
}
