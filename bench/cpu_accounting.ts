import fs from 'node:fs';

/**
 * How much of the machine's CPU went to processes other than the bench's own during a run. The bench shares its
 * cores with whatever else runs (on a shared machine: other people's tests), and any of that lowers the figures;
 * this says by how much a run was disturbed. Linux only (/proc); elsewhere the share is undefined.
 */
export interface CpuSnapshot {
  /** All CPUs, clock ticks: busy and total since boot. */
  readonly machineBusy: number;
  readonly machineTotal: number;
  /** Clock ticks of user + system time of the bench's own processes, summed. */
  readonly own: number;
}

export function takeCpuSnapshot(ownPids: readonly number[]): CpuSnapshot | undefined {
  const machine = readMachineTicks();
  if (machine === undefined) return undefined;
  let own = 0;
  for (const pid of ownPids) own += readProcessTicks(pid) ?? 0;
  return { machineBusy: machine.busy, machineTotal: machine.total, own };
}

/** Percent of the machine's total CPU capacity (all cores) used by other processes between the two snapshots. */
export function otherCpuPercent(before: CpuSnapshot | undefined, after: CpuSnapshot | undefined): number | undefined {
  if (before === undefined || after === undefined) return undefined;
  const total = after.machineTotal - before.machineTotal;
  if (total <= 0) return undefined;
  const other = after.machineBusy - before.machineBusy - (after.own - before.own);
  return Math.max(0, (100 * other) / total);
}

function readMachineTicks(): { busy: number; total: number } | undefined {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    // cpu user nice system idle iowait irq softirq steal guest guest_nice (guest time is already in user).
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const busy = user! + nice! + system! + irq! + softirq! + steal!;
    return { busy, total: busy + idle! + iowait! };
  } catch {
    return undefined;
  }
}

function readProcessTicks(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15 of the whole line.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}
