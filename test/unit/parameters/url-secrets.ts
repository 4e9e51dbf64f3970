/** What the URL suites share: the password that must never show, and how an error is caught and rendered. */
import { expect } from '@jest/globals';
import { inspect } from 'node:util';
import { ParameterError } from '../../../lib/protocol/errors.js';

/** The password of every URL test: it must not appear in any rendering. */
export const SECRET = 'Pa55-w0rd-sekrit';

/** The ParameterError `make` throws (fails the test when it throws none, or another kind). */
export function errorOf(make: () => unknown): ParameterError {
  try {
    make();
  } catch (error) {
    expect(error).toBeInstanceOf(ParameterError);
    return error as ParameterError;
  }
  throw new Error('expected a ParameterError');
}

/** Every way an error reaches a reader: String, message, stack, inspect (hidden, full depth), JSON. */
export function renderings(error: Error): string[] {
  return [
    String(error),
    error.message,
    error.stack ?? '',
    inspect(error, { depth: Infinity, showHidden: true }),
    JSON.stringify(error),
    JSON.stringify({ ...error }),
  ];
}
