/** CPU time of processes, read from /proc (Linux). */
import { readdirSync, readFileSync } from 'node:fs';

export const TICK_US = 10_000; // USER_HZ is 100 on Linux

export interface ProcStat {
  readonly ppid: number;
  readonly cpuUs: number;
}

/** Every process's parent and CPU time (utime + stime), from /proc. */
export function procTable(): Map<number, ProcStat> {
  const table = new Map<number, ProcStat>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone since listed
    }
    // After "pid (comm) ": state, ppid, …; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    table.set(Number(entry), { ppid: Number(fields[1]), cpuUs: (Number(fields[11]) + Number(fields[12])) * TICK_US });
  }
  return table;
}
