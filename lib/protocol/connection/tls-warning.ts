/**
 * The one warning the engine gives on its own: TLS with certificate verification switched off in code
 * (`sslOptions.rejectUnauthorized: false`; a URL cannot do it). The engine has no logger, so it goes
 * through `process.emitWarning` (printed to stderr by Node unless `--no-warnings`, and observable
 * with `process.on('warning')`), once per Connection, with a stable code to filter on.
 */
import type { ConnectionParameters } from '../parameters/index.js';

/** The `code` of the warning, for `process.on('warning', (w) => w.code === ...)`. */
export const TLS_VERIFICATION_OFF_WARNING = 'AMQP_TLS_VERIFICATION_OFF';

/** Whether these parameters connect with TLS but accept any certificate. */
export function tlsVerificationOff(parameters: ConnectionParameters): boolean {
  return parameters.ssl && parameters.sslOptions?.rejectUnauthorized === false;
}

/** Emits the warning for `parameters` (the address without the password). */
export function warnTlsVerificationOff(parameters: ConnectionParameters): void {
  process.emitWarning(
    `TLS certificate verification is off for ${parameters.displayUrl} (sslOptions.rejectUnauthorized: false): any peer can pose as the broker and read the credentials`,
    { type: 'SecurityWarning', code: TLS_VERIFICATION_OFF_WARNING },
  );
}
