/** The test support's reading of `rabbitmqctl list_connections client_properties` (tab-separated). */
import { describe, expect, it } from '@jest/globals';
import { parseClientProperties } from '../support/connection-listing.js';

describe('parseClientProperties', () => {
  it('reads tables, nested tables, strings with quotes and braces, booleans and numbers', () => {
    const text =
      '[{"connection_name","a \\"b\\" {c}"},{"product","amqplib"},{"n",42},' +
      '{"capabilities",[{"publisher_confirms",true},{"connection.blocked",false}]},{"list",["x","y"]}]';
    expect(parseClientProperties(text)).toEqual({
      connection_name: 'a "b" {c}',
      product: 'amqplib',
      n: 42,
      capabilities: { publisher_confirms: true, 'connection.blocked': false },
      list: ['x', 'y'],
    });
  });

  it('reads an empty table, and throws on what it cannot read (the caller then lists twice)', () => {
    expect(parseClientProperties('[]')).toEqual({});
    expect(parseClientProperties('')).toEqual({});
    expect(() => parseClientProperties('[{"k",undefined}]')).toThrow();
    expect(() => parseClientProperties('[{"k",<<1,2>>}]')).toThrow();
    expect(() => parseClientProperties('["not","a","table"]')).toThrow('not a table');
  });
});
