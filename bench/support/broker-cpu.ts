/**
 * CPU time used by the local RabbitMQ node(s), read from /proc (Linux): the broker shares the
 * machine's cores with the bench, so its CPU per call is part of what a transport costs.
 */
import { readFileSync, readdirSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

/** Pids of the Erlang VMs running a RabbitMQ node; empty where /proc is missing. */
function brokerPids(): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'latin1');
      if (cmdline.includes('beam.smp') && cmdline.includes('rabbit')) pids.push(Number(entry));
    } catch {
      // The process ended between readdir and read.
    }
  }
  return pids;
}

/** User + system CPU of the broker's processes in ms, or undefined when it cannot be read. */
export function brokerCpuMs(): number | undefined {
  const pids = brokerPids();
  if (pids.length === 0) return undefined;
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      return undefined;
    }
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/** This process's user + system CPU in ms. */
export function processCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
