import { describe, it, expect } from '@jest/globals';
import { ParameterError, PlainCredentials } from '../../../../lib/protocol/index.js';
import { AmqpConnectionHost } from '../../../../lib/transport/connection/connection-host.js';
import { DEFAULT_AMQP_URL, resolveParameters } from '../../../../lib/transport/connection/connection-parameters.js';

describe('resolveParameters', () => {
  it('uses the default URL when none is given', () => {
    const [only, ...rest] = resolveParameters({});
    expect(rest).toHaveLength(0);
    expect(only?.host).toBe('localhost');
    expect(only?.port).toBe(5672);
    expect(DEFAULT_AMQP_URL).toContain('localhost:5672');
  });

  it('keeps every URL, in order, as the host list', () => {
    const hosts = resolveParameters({ urls: ['amqp://a:1111', 'amqp://b:2222/vh'] });
    expect(hosts.map((p) => [p.host, p.port, p.virtualHost])).toEqual([
      ['a', 1111, '/'],
      ['b', 2222, 'vh'],
    ]);
  });

  it('lays connectionOptions and connectionName over what each URL says', () => {
    const [params] = resolveParameters({
      urls: ['amqps://user:secret@broker.example/prod?heartbeat=30'],
      connectionOptions: { heartbeat: 5, frameMax: 65536 },
      connectionName: 'orders-service',
    });
    expect(params?.host).toBe('broker.example');
    expect(params?.port).toBe(5671);
    expect(params?.ssl).toBe(true);
    expect(params?.virtualHost).toBe('prod');
    expect(params?.heartbeat).toBe(5);
    expect(params?.frameMax).toBe(65536);
    expect(params?.connectionName).toBe('orders-service');
    expect((params?.credentials as PlainCredentials).username).toBe('user');
  });

  it('reports a bad option by name before connecting', () => {
    expect(() => resolveParameters({ connectionOptions: { frameMax: 100 } })).toThrow(ParameterError);
    expect(() => resolveParameters({ urls: ['http://nope'] })).toThrow(ParameterError);
  });
});

describe('AmqpConnectionHost.keyOf', () => {
  it('shares by connectionKey and URLs', () => {
    expect(AmqpConnectionHost.keyOf({})).toBe(AmqpConnectionHost.keyOf({ urls: [DEFAULT_AMQP_URL] }));
    expect(AmqpConnectionHost.keyOf({ connectionKey: 'a' })).not.toBe(AmqpConnectionHost.keyOf({ connectionKey: 'b' }));
    expect(AmqpConnectionHost.keyOf({ urls: ['amqp://x'] })).not.toBe(AmqpConnectionHost.keyOf({ urls: ['amqp://y'] }));
  });
});
