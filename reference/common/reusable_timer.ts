/**
 * A timer that a long-lived owner (a connection) arms and disarms many times, like Envoy's Event::Timer
 * (enableTimer / disableTimer). Arming again reuses the Node timer with refresh() instead of allocating one per
 * request, and disarming only clears a flag: a Node timer that fires while disarmed does nothing. So the owner must
 * call dispose() when it goes away, which really clears the Node timer (nothing outlives its owner).
 */
export class ReusableTimer {
  private timeout: NodeJS.Timeout | undefined;
  private durationMs = 0;
  private callback: (() => void) | undefined;

  /** Runs `callback` once, `ms` from now, unless disarmed or re-armed first. */
  arm(ms: number, callback: () => void): void {
    this.callback = callback;
    if (this.timeout !== undefined && this.durationMs === ms) {
      this.timeout.refresh();
      return;
    }
    if (this.timeout !== undefined) clearTimeout(this.timeout);
    this.durationMs = ms;
    this.timeout = setTimeout(this.fire, ms);
  }

  disarm(): void {
    this.callback = undefined;
  }

  get armed(): boolean {
    return this.callback !== undefined;
  }

  /** Disarms and releases the Node timer. The timer may be armed again afterwards. */
  dispose(): void {
    this.callback = undefined;
    if (this.timeout !== undefined) clearTimeout(this.timeout);
    this.timeout = undefined;
  }

  private readonly fire = (): void => {
    const callback = this.callback;
    this.callback = undefined;
    callback?.();
  };
}
