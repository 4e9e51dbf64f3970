/**
 * Which e2e suites run in a vhost of their own (see suite-vhost.ts). Every `test/e2e/**\/*.spec.ts`
 * under one of ON_OWN_VHOST does, except the suites of OPTED_OUT, each with the reason it needs the
 * broker's vhost `/` (or the broker as a whole). Paths are relative to the repository root.
 */

/** Folders whose suites each get a vhost of their own: every e2e suite (a new one included) unless opted out. */
export const ON_OWN_VHOST: readonly string[] = ['test/e2e/'];

/** Suites (or folders) that stay on the vhost of AMQP_URL as given, with the reason. */
export const OPTED_OUT: ReadonlyMap<string, string> = new Map([
  [
    'test/e2e/nest/rmq-options/startup-wait.spec.ts',
    'creates a user and grants it permissions on vhost `/` (users are broker-wide)',
  ],
  [
    'test/e2e/nest/secrets/redaction.spec.ts',
    'creates a user of its own and logs in as it on vhost `/` (users are broker-wide)',
  ],
]);

/** Why the suite at `path` (relative to the root) stays off a vhost of its own, or undefined when it gets one. */
export function optOutReason(path: string): string | undefined {
  if (!path.startsWith('test/e2e/') || !path.endsWith('.spec.ts')) return 'not an e2e suite';
  for (const [prefix, reason] of OPTED_OUT) if (path === prefix || (prefix.endsWith('/') && path.startsWith(prefix))) return reason;
  if (!ON_OWN_VHOST.some((folder) => path.startsWith(folder))) return 'its folder is not on the vhost helper yet';
  return undefined;
}
