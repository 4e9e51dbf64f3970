/**
 * The run's registry of e2e suites and their vhosts: one JSON line per suite, appended to the file
 * jest.config.js names in E2E_VHOST_REGISTRY (nothing is written without it). The globalTeardown
 * (test/support/vhost/leftovers.mjs) reads it to find the run's leftovers and to count the suites.
 */
import { appendFileSync } from 'node:fs';

/** An e2e suite on a vhost of its own (`vhost`) or opted out (`optedOut`, the reason). The environment adds `{ testPath, tests }` after the run. */
export interface SuiteRecord {
  /** Relative to the repository root. */
  path: string;
  /** Absolute, as Jest gives it (the environment's record of the suite's count of tests names it so). */
  testPath: string;
  pid: number;
  vhost?: string;
  optedOut?: string;
}

export function recordSuite(record: SuiteRecord): void {
  const file = process.env['E2E_VHOST_REGISTRY'];
  if (file !== undefined && file !== '') appendFileSync(file, `${JSON.stringify(record)}\n`);
}
