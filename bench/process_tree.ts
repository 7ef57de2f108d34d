import fs from 'node:fs';

/**
 * Direct children of pid, from /proc (Linux). Uses /proc/PID/task/PID/children when the kernel provides it,
 * else scans every /proc/N/stat for a parent of pid. Returns [] where /proc is absent.
 */
export function childProcessIds(pid: number): number[] {
  try {
    const listed = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return listed === '' ? [] : listed.split(/\s+/).map(Number);
  } catch {
    return scanForChildren(pid);
  }
}

function scanForChildren(parent: number): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name (field 2) is in parentheses and may contain spaces; fields after it are plain.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === parent) found.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}
