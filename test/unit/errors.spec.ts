import { describe, expect, it } from '@jest/globals';
import { AuthenticationError, ChannelClosedError, ConnectionClosedError, FrameError, AMQPError } from '../../lib/protocol/errors.js';

describe('error tree', () => {
  it('carries reply codes and stays inside AMQPError', () => {
    const auth = new AuthenticationError('ACCESS_REFUSED - Login was refused', 'guest');
    expect(auth).toBeInstanceOf(ConnectionClosedError);
    expect(auth).toBeInstanceOf(AMQPError);
    expect(auth.replyCode).toBe(403);
    expect(auth.code).toBe('ERR_AMQP_AUTHENTICATION');
    expect(auth.name).toBe('AuthenticationError');
    const ch = new ChannelClosedError(3, { replyCode: 404, replyText: 'NOT_FOUND', classId: 50, methodId: 10, initiator: 'broker' });
    expect(ch.message).toContain('404');
    expect(ch.channel).toBe(3);
    const fe = new FrameError('bad end', 501, { offset: 7 });
    expect(fe.offset).toBe(7);
    expect(fe.replyCode).toBe(501);
  });
});
