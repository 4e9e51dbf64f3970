/**
 * Several hosts as one input: a URL, a parameters object, or a list of either, tried in order
 * (a RabbitMQ cluster is given as the list of its nodes).
 */
import { ParameterError } from '../errors.js';
import { ConnectionParameters } from './connection-parameters.js';
import type { ConnectionParametersOptions } from './defaults.js';
import { URLParameters } from './url-parameters.js';
import { describe } from './validate.js';

/** What a connection accepts as "where to connect". */
export type ParametersInput = string | ConnectionParameters | ReadonlyArray<string | ConnectionParameters>;

function one(item: unknown, index: number): ConnectionParameters {
  if (typeof item === 'string') return new URLParameters(item);
  if (item instanceof ConnectionParameters) return item;
  throw new ParameterError(
    `parameters[${index}]`,
    `must be a URL string or ConnectionParameters, got ${describe(item)}`,
  );
}

/**
 * The hosts to try, in order. `undefined` means one default `ConnectionParameters` (localhost).
 * `overrides`, when given, are applied over each entry (e.g. a shared heartbeat or connection name).
 * @throws ParameterError for an empty list, a bad entry or a bad URL
 */
export function parametersList(
  input?: ParametersInput,
  overrides?: ConnectionParametersOptions,
): ConnectionParameters[] {
  const items: readonly unknown[] =
    input === undefined ? [new ConnectionParameters()] : Array.isArray(input) ? input : [input];
  if (items.length === 0) throw new ParameterError('parameters', 'the list of hosts is empty');
  const list = items.map(one);
  return overrides === undefined ? list : list.map((p) => p.with(overrides));
}
