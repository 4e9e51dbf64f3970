import { describe, expect, it } from '@jest/globals';
import { ParameterError } from '../../../lib/protocol/errors.js';
import {
  ConnectionParameters,
  URLParameters,
  parametersList,
} from '../../../lib/protocol/parameters/index.js';

describe('parametersList', () => {
  it('no input is one default host', () => {
    const list = parametersList();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ host: 'localhost', port: 5672 });
  });

  it('a URL or a parameters object is one host', () => {
    expect(parametersList('amqp://a')[0]).toBeInstanceOf(URLParameters);
    const p = new ConnectionParameters({ host: 'b' });
    expect(parametersList(p)).toEqual([p]);
    expect(parametersList(p)[0]).toBe(p);
  });

  it('a list keeps its order (hosts are tried in that order)', () => {
    const c = new ConnectionParameters({ host: 'c' });
    const list = parametersList(['amqp://a', 'amqps://b:7000', c]);
    expect(list.map((p) => `${p.host}:${p.port}`)).toEqual(['a:5672', 'b:7000', 'c:5672']);
    expect(list[2]).toBe(c);
  });

  it('applies overrides over every entry', () => {
    const list = parametersList(['amqp://a?heartbeat=5', 'amqp://b'], {
      connectionName: 'svc',
      heartbeat: 7,
    });
    expect(list.map((p) => [p.host, p.connectionName, p.heartbeat])).toEqual([
      ['a', 'svc', 7],
      ['b', 'svc', 7],
    ]);
  });

  it.each([
    [[], 'parameters'],
    [[5], 'parameters[0]'],
    [['amqp://a', null], 'parameters[1]'],
    [['amqp://a', 'http://b'], 'scheme'],
    [{ host: 'x' }, 'parameters[0]'],
  ])('%j is a ParameterError naming %s', (input, argument) => {
    try {
      parametersList(input as never);
      throw new Error('expected a ParameterError');
    } catch (error) {
      expect(error).toBeInstanceOf(ParameterError);
      expect((error as ParameterError).argument).toBe(argument);
    }
  });
});
