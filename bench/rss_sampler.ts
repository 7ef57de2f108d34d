import fs from 'node:fs';

/** Resident set size of pid in KiB (VmRSS of /proc/PID/status), or undefined if it cannot be read. */
export function residentKiB(pid: number): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = status.match(/^VmRSS:\s+(\d+)\s+kB$/m);
    return match === null ? undefined : Number(match[1]);
  } catch {
    return undefined;
  }
}

/** Summed RSS of several processes in KiB; undefined if none could be read. */
export function summedResidentKiB(pids: readonly number[]): number | undefined {
  let total: number | undefined;
  for (const pid of pids) {
    const kib = residentKiB(pid);
    if (kib !== undefined) total = (total ?? 0) + kib;
  }
  return total;
}

/**
 * Samples the summed RSS of a set of processes on a timer and keeps the peak. The set is asked for at each sample
 * because it can change (an nginx worker restarts). Peak, not final, because a proxy's buffers are released after
 * the load stops.
 */
export class PeakRssSampler {
  private peakKiB: number | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly processIds: () => number[],
    private readonly intervalMs = 100,
  ) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  /** Stops sampling (after one last sample) and returns the peak in KiB, undefined where /proc is unavailable. */
  stop(): number | undefined {
    clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
    return this.peakKiB;
  }

  private sample(): void {
    const total = summedResidentKiB(this.processIds());
    if (total !== undefined && (this.peakKiB === undefined || total > this.peakKiB)) this.peakKiB = total;
  }
}
