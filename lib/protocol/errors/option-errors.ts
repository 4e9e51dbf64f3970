/**
 * Errors of the options and parameters a user gives: a parameter or URL that cannot be used, a
 * misspelt or unsupported option (the Nest layer names its options with these).
 */
import { InvalidArgumentError } from './base.js';

/** A URL or connection parameter that cannot be used. Names the argument, never the password. */
export class ParameterError extends InvalidArgumentError {}

/**
 * An option that is misspelt, of the wrong type, or out of range, caught when a ServerAMQP or
 * ClientAMQP is constructed. `option` is its path (`queueOptions.messageTtl`); `suggestion` the
 * known option it most likely meant, when one is close.
 */
export class InvalidOptionError extends InvalidArgumentError {
  readonly option: string;
  readonly suggestion: string | undefined;
  constructor(option: string, message: string, suggestion?: string) {
    super(option, suggestion === undefined ? message : `${message} (did you mean "${suggestion}"?)`);
    (this as { code: string }).code = 'ERR_AMQP_INVALID_OPTION';
    this.option = option;
    this.suggestion = suggestion;
  }
}

/** A known option (of Nest's RmqOptions, say) that this transport cannot honour: refused rather than ignored. */
export class UnsupportedOptionError extends InvalidOptionError {
  constructor(option: string, reason: string) {
    super(option, `not supported: ${reason}`);
    (this as { code: string }).code = 'ERR_AMQP_UNSUPPORTED_OPTION';
  }
}
