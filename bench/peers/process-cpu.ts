// CPU time of processes on this machine, from /proc (Linux only), so that a throughput run can
// report what each attempt costs as well as how fast attempts go, which on a shared machine
// follows the other processes' load.

import { existsSync, readFileSync } from 'node:fs';

import type pg from 'pg';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux for every architecture). */
const TICKS_PER_SECOND = 100;

/** Returns whether this machine has the /proc files that cpuSecondsOf reads. */
export function canMeasureCpu(): boolean {
  return existsSync('/proc/self/stat');
}

/**
 * Returns the user plus system CPU seconds that process `pid` has used, or 0 when it is gone or
 * this machine has no /proc.
 */
export function cpuSecondsOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 0;
  }
  // The command name in parentheses may contain spaces, so fields count from its closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const userTicks = Number(fields[11]);
  const systemTicks = Number(fields[12]);
  return (userTicks + systemTicks) / TICKS_PER_SECOND;
}

/**
 * Returns the process ids of the PostgreSQL backends that serve cronmesh stores (application
 * name `cronmesh-…`) and started at or after `since` (epoch ms). The server must run on this
 * machine for their CPU time to be readable.
 */
export async function cronmeshBackendPids(client: pg.Client, since: number): Promise<number[]> {
  const { rows } = await client.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity
     WHERE application_name LIKE 'cronmesh-%' AND backend_start >= to_timestamp($1 / 1000.0)`,
    [since],
  );
  return rows.map((row) => row.pid);
}
