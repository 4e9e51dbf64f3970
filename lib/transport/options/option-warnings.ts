/**
 * Options accepted but not acted on: a key a peer's type takes (Nest's `socketOptions` index
 * signature, golevelup's `enableControllerDiscovery` ...) that means nothing here. The readers collect
 * them; the entry point logs each one WARN, once per process (a ClientAMQP made per request, or a
 * decorator on many methods, says it once, not once per instance).
 */
import type { LoggerService } from '@nestjs/common';

/** One accepted-but-ignored option: its path and why it changes nothing. */
export interface OptionWarning {
  readonly option: string;
  readonly reason: string;
}

/** Where a reader puts what it accepted but does not act on. */
export type OptionWarnings = OptionWarning[];

const warned = new Set<string>();

/** The WARN line for one ignored option. */
export function optionWarningText(warning: OptionWarning): string {
  return `option ${warning.option} is accepted but ignored: ${warning.reason}`;
}

/** Logs each warning once per process and entry point (`where`: ServerAMQP, AmqpModule ...). */
export function logOptionWarnings(logger: Pick<LoggerService, 'warn'>, where: string, warnings: readonly OptionWarning[]): void {
  for (const warning of warnings) {
    const key = `${where}\u0000${warning.option}`;
    if (warned.has(key)) continue;
    warned.add(key);
    logger.warn(optionWarningText(warning));
  }
}

/** @internal Forgets what was logged (tests). */
export function forgetOptionWarnings(): void {
  warned.clear();
}
