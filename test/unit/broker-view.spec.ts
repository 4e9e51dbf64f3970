/** The test support's reading of its one-call broker view (`rabbitmqctl eval`, base64 of JSON). */
import { describe, expect, it } from '@jest/globals';
import { BrokerViewError, parseView, viewExpression } from '../support/broker-view.js';

const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64');

const view = {
  queues: [
    {
      name: 'q-é',
      durable: true,
      auto_delete: false,
      exclusive: false,
      arguments: [['x-max-length', 'byte', 7]],
    },
  ],
  exchanges: [],
  bindings: [{ source_name: 'x', destination_name: 'q-é', routing_key: 'rk' }],
  consumers: [{ queue_name: 'q-é', consumer_tag: 't', prefetch_count: 5, ack_required: true }],
  channels: [{ name: '127.0.0.1:1 -> 127.0.0.1:5672 (1)', consumer_count: 1, global_prefetch_count: 3 }],
  connections: [],
};

describe('parseView', () => {
  it("reads the BROKER-VIEW line among eval's other output (UTF-8 names intact)", () => {
    const out = `some warning\nBROKER-VIEW ${encode(view)}\nok\n`;
    expect(parseView(out)).toEqual(view);
  });

  it('throws naming the section the broker could not list, and when no view was printed', () => {
    const out = `BROKER-VIEW ${encode({ ...view, consumers: { error: 'error:undef' } })}\nok\n`;
    expect(() => parseView(out)).toThrow(BrokerViewError);
    expect(() => parseView(out)).toThrow('the broker did not list consumers: error:undef');
    expect(() => parseView(`BROKER-VIEW ${encode({ ...view, channels: undefined })}\n`)).toThrow('did not list channels');
    expect(() => parseView('Error: {undef,...}\n')).toThrow('rabbitmqctl eval printed no view: Error');
  });
});

describe('viewExpression', () => {
  it('carries the scope as base64 only (no name is spliced into Erlang source)', () => {
    const want = encode({ vhost: '/', queues: ['a"b'], exchanges: [] });
    const expression = viewExpression(want);
    expect(expression).toContain(`base64:decode(<<"${want}">>)`);
    expect(expression).not.toContain('a"b');
  });
});
