/**
 * Connection over scripted transports: which hosts it tries, how often and how long it waits, and
 * what it does not retry.
 */
import { describe, it, expect } from '@jest/globals';
import { Connection } from '../../../lib/protocol/connection/connection.js';
import { AuthenticationError, ConnectionLostError } from '../../../lib/protocol/errors.js';
import { ConnectionParameters } from '../../../lib/protocol/parameters/index.js';
import { FakeClock, flush, transportRecorder } from './fake-io.js';
import { setup } from './scripted-connection.js';

describe('Connection attempts', () => {
  it('tries the hosts in order and opens on the first that answers', async () => {
    const s = setup([
      new ConnectionParameters({ host: 'down.example', port: 1 }),
      new ConnectionParameters({ host: 'up.example' }),
    ]);
    await flush();
    s.rec.transports[0]!.lose(new ConnectionLostError('could not connect to down.example:1: ECONNREFUSED'));
    expect(s.rec.transports.map((t) => t.parameters.host)).toEqual(['down.example', 'up.example']);
    expect(s.connection.state).toBe('INIT');
    s.rec.transports[1]!.bringUp();
    expect(s.events).toEqual(['onOpen', 'open']);
  });

  it('waits retryDelay between rounds and gives up after connectionAttempts with the last error', async () => {
    const s = setup({ host: 'down.example', connectionAttempts: 2, retryDelay: 5 });
    const loop = s.connection.ioloop.start();
    await flush();
    s.rec.transports[0]!.lose(new ConnectionLostError('refused 1'));
    s.clock.advance(4999);
    expect(s.rec.transports).toHaveLength(1);
    s.clock.advance(1);
    expect(s.rec.transports).toHaveLength(2);
    s.rec.transports[1]!.lose(new ConnectionLostError('refused 2'));
    expect(s.events).toEqual(['onOpenError', 'close:ConnectionLostError']);
    expect(s.errors[0]?.message).toBe('refused 2');
    await expect(loop).rejects.toBeInstanceOf(ConnectionLostError);
  });

  it('does not retry a refused login, however many attempts are allowed', async () => {
    const s = setup({ connectionAttempts: 5, retryDelay: 1 });
    await flush();
    const t = s.rec.transports[0]!;
    t.handlers.onConnect();
    t.broker('connection.start', { versionMajor: 0, versionMinor: 9, serverProperties: {}, mechanisms: 'PLAIN', locales: 'en_US' });
    t.broker('connection.close', { replyCode: 403, replyText: 'ACCESS_REFUSED - Login was refused', classId: 0, methodId: 0 });
    s.clock.advance(60_000);
    expect(s.rec.transports).toHaveLength(1);
    expect(s.errors[0]).toBeInstanceOf(AuthenticationError);
    expect(s.events).toEqual(['onOpenError', 'close:AuthenticationError']);
  });

  it('retries a stack timeout on the next host', async () => {
    const s = setup([
      new ConnectionParameters({ host: 'silent.example', stackTimeout: 2 }),
      new ConnectionParameters({ host: 'up.example' }),
    ]);
    await flush();
    s.rec.transports[0]!.handlers.onConnect();
    s.clock.advance(2000);
    expect(s.rec.transports[0]!.destroyed).toBe(true);
    expect(s.rec.transports).toHaveLength(2);
    s.rec.transports[1]!.bringUp();
    expect(s.connection.isOpen).toBe(true);
  });

  it('Connection.connect rejects with the typed error; ioloop.stop abandons the bring-up', async () => {
    const clock = new FakeClock();
    const rec = transportRecorder();
    const c = new Connection(undefined, {}, { clock, transport: rec.factory });
    const loop = c.ioloop.start();
    await flush();
    c.ioloop.stop();
    await expect(loop).rejects.toMatchObject({ initiator: 'client' });
    expect(c.state).toBe('CLOSED');
    expect(rec.transports[0]!.destroyed).toBe(true);
    await expect(Connection.connect('amqp://guest:guest@127.0.0.1:1/')).rejects.toBeInstanceOf(ConnectionLostError);
  });
});
