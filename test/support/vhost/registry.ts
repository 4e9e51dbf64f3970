/**
 * The run's registry of e2e suites and their vhosts: one JSON line per suite, appended to the file
 * jest.config.js names in E2E_VHOST_REGISTRY (nothing is written without it). The globalTeardown
 * (test/support/vhost/leftovers.mjs) reads it to find the run's leftovers and to count the suites.
 */
import { appendFileSync } from 'node:fs';

/** A suite on a vhost of its own (`vhost`) or opted out (`optedOut`, the reason). */
export interface SuiteRecord {
  path: string;
  pid: number;
  vhost?: string;
  optedOut?: string;
}

export function recordSuite(record: SuiteRecord): void {
  const file = process.env['E2E_VHOST_REGISTRY'];
  if (file !== undefined && file !== '') appendFileSync(file, `${JSON.stringify(record)}\n`);
}
