/** TCP keep-alive is on by default: the socket is asked for it with a 60 s idle delay; it can be turned off. */
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import net from 'node:net';
import { connectSocket } from '../../../lib/protocol/io/socket-transport.js';
import { ConnectionParameters } from '../../../lib/protocol/parameters/index.js';

const handlers = { onConnect: () => undefined, onData: () => undefined, onDrain: () => undefined, onClose: () => undefined };

describe('TCP keep-alive', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it.each([
    [{}, [[true, 60000]]],
    [{ tcpOptions: { keepAliveInitialDelay: 5000 } }, [[true, 5000]]],
    [{ tcpOptions: { keepAlive: false } }, []],
  ])('%j -> setKeepAlive calls %j', (options, expected) => {
    const spy = jest.spyOn(net.Socket.prototype, 'setKeepAlive');
    // port 9 on loopback: nothing listens, the socket options are set before the connect fails
    const transport = connectSocket(new ConnectionParameters({ host: '127.0.0.1', port: 9, ...options }), handlers);
    transport.destroy();
    expect(spy.mock.calls).toEqual(expected);
  });
});
