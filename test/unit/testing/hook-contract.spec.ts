/**
 * The in-memory broker's side of the one engine seam (lib/protocol/io/socket-transport.ts): its pipe
 * must stay a Transport as the engine defines it, and take the engine's TransportHandlers. The type
 * assignments below fail `npm run typecheck` the day either side changes shape.
 */
import { describe, expect, it } from '@jest/globals';
import type { Transport, TransportFactory, TransportHandlers } from '../../../lib/protocol/io/socket-transport.js';
import { MemoryPipe, type ClientHandlers } from '../../../lib/testing/server/memory-transport.js';

describe('the in-process transport seam', () => {
  it("the broker's pipe is an engine Transport and takes the engine's handlers", async () => {
    const events: string[] = [];
    const handlers: TransportHandlers = {
      onConnect: () => events.push('connect'),
      onData: (chunk) => events.push(`data ${chunk.toString()}`),
      onDrain: () => events.push('drain'),
      onClose: (error) => events.push(`close ${String(error?.message)}`),
    };
    const asClient: ClientHandlers = handlers;
    const pipe = new MemoryPipe(asClient);
    const transport: Transport = pipe.transport;
    const factory: TransportFactory = () => transport;
    expect(typeof factory).toBe('function');
    const received: string[] = [];
    pipe.attach({ receive: (chunk) => received.push(chunk.toString()), clientGone: () => received.push('gone') });
    transport.write(Buffer.from('a'));
    transport.write(Buffer.from('b'));
    pipe.send(Buffer.from('x'));
    await Promise.resolve();
    await Promise.resolve();
    // One step's writes arrive together, after the step.
    expect(received).toEqual(['ab']);
    transport.end();
    await Promise.resolve();
    expect(received).toEqual(['ab', 'gone']);
    expect(transport.write(Buffer.from('late'))).toBe(false);
    expect(events).toEqual(['connect', 'data x', 'close undefined']);
  });
});
