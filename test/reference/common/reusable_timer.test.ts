/** ReusableTimer: armed and disarmed many times over one Node timer, released by dispose. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReusableTimer } from '../../../reference/common/reusable_timer';

/** Node timers of equal or shorter delay armed earlier fire first, so this waits past a timer without sleeping on it. */
function after(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function activeTimeouts(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

describe('ReusableTimer', () => {
  it('runs the callback once when armed', async () => {
    const timer = new ReusableTimer();
    let fired = 0;
    timer.arm(5, () => fired++);
    assert.equal(timer.armed, true);
    await after(20);
    assert.equal(fired, 1);
    assert.equal(timer.armed, false);
    timer.dispose();
  });

  it('does not run a disarmed callback, and can be armed again with a new one', async () => {
    const timer = new ReusableTimer();
    const calls: string[] = [];
    timer.arm(5, () => calls.push('first'));
    timer.disarm();
    await after(20);
    assert.equal(calls.length, 0);
    timer.arm(5, () => calls.push('second'));
    await after(20);
    assert.deepEqual(calls, ['second']);
    timer.dispose();
  });

  it('re-arming with the same delay reuses one Node timer; dispose releases it', () => {
    const before = activeTimeouts();
    const timer = new ReusableTimer();
    for (let i = 0; i < 100; i++) {
      timer.arm(60_000, () => {});
      timer.disarm();
    }
    assert.equal(activeTimeouts(), before + 1);
    timer.arm(30_000, () => {}); // another delay: the old Node timer is replaced, not added to
    assert.equal(activeTimeouts(), before + 1);
    timer.dispose();
    assert.equal(activeTimeouts(), before);
    assert.equal(timer.armed, false);
  });

  it('arming again replaces the callback', async () => {
    const timer = new ReusableTimer();
    const calls: string[] = [];
    timer.arm(5, () => calls.push('a'));
    timer.arm(5, () => calls.push('b'));
    await after(20);
    assert.deepEqual(calls, ['b']);
    timer.dispose();
  });
});
