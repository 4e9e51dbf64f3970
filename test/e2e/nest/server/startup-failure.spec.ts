/**
 * A start-up that cannot succeed fails through listen's callback (and so Nest's `listen()` rejects)
 * with a typed error that says what was wrong, and leaves no channel or connection behind.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { ChannelClosedError, ConnectionClosedError } from '../../../../lib/protocol/errors.js';
import { QueueConsumer } from '../../../../lib/transport/decorators/queue-consumer.decorator.js';
import { ServerAMQP } from '../../../../lib/transport/server/server-amqp.js';
import { AMQP_URL, Admin, connectionNames, uniqueName, waitFor } from './support.js';

const existing = uniqueName('inequivalent');
const fine = uniqueName('fine');
const missing = uniqueName('missing');

@Controller()
class InequivalentController {
  @QueueConsumer(fine, { durable: false })
  onFine(): void {}

  @QueueConsumer(existing, { durable: false, messageTtl: 5_000 })
  onExisting(): void {}
}

@Controller()
class PassiveController {
  @QueueConsumer(missing, { passive: true })
  onMissing(): void {}

  @MessagePattern('ping')
  ping(@Payload() value: unknown): unknown {
    return value;
  }
}

let admin: Admin;

beforeAll(async () => {
  admin = await Admin.open();
  await admin.channel.assertQueue(existing, { durable: false, arguments: { 'x-message-ttl': 1_000 } });
});

afterAll(async () => {
  await admin?.cleanup([existing, fine, missing]);
  await admin?.close();
});

function captureListen(server: ServerAMQP): Promise<unknown> {
  return new Promise((resolve) => {
    void server.listen((error?: unknown) => resolve(error));
  });
}

describe('ServerAMQP start-up failures', () => {
  it('a queue declared with inequivalent arguments fails listen() with the 406 text naming the queue', async () => {
    const connectionName = uniqueName('conn');
    const moduleRef = await Test.createTestingModule({ controllers: [InequivalentController] }).compile();
    const app = moduleRef.createNestMicroservice({ strategy: new ServerAMQP({ urls: [AMQP_URL], connectionName }) });
    app.useLogger(false);
    let caught: unknown;
    try {
      await app.listen();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ChannelClosedError);
    const error = caught as ChannelClosedError;
    expect(error.replyCode).toBe(406);
    expect(error.message).toContain(`queue "${existing}"`);
    expect(error.message).toContain('PRECONDITION_FAILED');
    expect(error.message).toContain("inequivalent arg 'x-message-ttl'");
    // The failed start released its connection: the broker no longer lists it.
    await waitFor(async () => !(await connectionNames()).includes(connectionName), 'the connection to be closed');
    await app.close();
  });

  it('a passive consumer of a missing queue fails with 404 naming the queue, and the server holds no connection', async () => {
    const moduleRef = await Test.createTestingModule({ controllers: [PassiveController] }).compile();
    const server = new ServerAMQP({ urls: [AMQP_URL] });
    const app = moduleRef.createNestMicroservice({ strategy: server });
    app.useLogger(false);
    await app.init();
    const error = await captureListen(server);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as ChannelClosedError).replyCode).toBe(404);
    expect((error as Error).message).toContain(`queue "${missing}"`);
    expect((error as Error).message).toContain('NOT_FOUND');
    expect(server.getHealth()).toMatchObject({ connected: false, connection: 'idle' });
    await app.close();
  });

  it('an unreachable broker fails listen() with the connection error once maxConnectionAttempts are used', async () => {
    const moduleRef = await Test.createTestingModule({ controllers: [PassiveController] }).compile();
    // The server waits for a broker by default (as Transport.RMQ); one attempt makes it fail at once.
    const server = new ServerAMQP({ urls: ['amqp://guest:guest@127.0.0.1:1'], maxConnectionAttempts: 1 });
    const app = moduleRef.createNestMicroservice({ strategy: server });
    app.useLogger(false);
    await app.init();
    const error = await captureListen(server);
    expect(error).toBeInstanceOf(ConnectionClosedError);
    await app.close();
  });

  it('wrong credentials fail listen() with the broker\'s refusal', async () => {
    const moduleRef = await Test.createTestingModule({ controllers: [PassiveController] }).compile();
    const server = new ServerAMQP({ urls: [AMQP_URL.replace('guest:guest', 'guest:wrong-password')] });
    const app = moduleRef.createNestMicroservice({ strategy: server });
    app.useLogger(false);
    await app.init();
    const error = await captureListen(server);
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect((error as Error).message).not.toContain('wrong-password');
    await app.close();
  });
});
