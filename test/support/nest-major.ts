import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The major version of the installed @nestjs/microservices (11 or 12), for the few tests that assert
 * a Nest 12-only feature and the Nest 11 behaviour instead. Read from its package.json beside its
 * entry point: Nest 12's `exports` map does not expose `package.json` itself.
 */
export function nestMajor(): number {
  const entry = createRequire(import.meta.url).resolve('@nestjs/microservices');
  const { version } = JSON.parse(readFileSync(join(dirname(entry), 'package.json'), 'utf8')) as {
    version: string;
  };
  return Number(version.split('.')[0]);
}
