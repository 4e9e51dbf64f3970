/**
 * A message over the connection's maxBodySize, against the real broker: its body streams past
 * unread, the message is rejected without requeue (so it reaches the queue's dead-letter queue
 * instead of coming back for ever), the server reports a typed OversizeMessageError, and the same
 * connection and consumer go on with the next message.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OversizeMessageError } from '../../../../lib/protocol/errors.js';
import { QueueConsumer } from '../../../../lib/transport/decorators/queue-consumer.decorator.js';
import { ServerAMQP } from '../../../../lib/transport/server/server-amqp.js';
import { AMQP_URL, connectionNames, startSuiteServer, stopSuiteServer, uniqueName, waitFor, type Admin, type SuiteServer } from './support.js';

const queue = uniqueName('oversize');
const dlq = uniqueName('oversize-dlq');
const connectionName = uniqueName('oversize-conn');
const seen: string[] = [];

@Controller()
class SizedController {
  @QueueConsumer(queue, { durable: false, deadLetterExchange: '', deadLetterRoutingKey: dlq })
  handle(@Payload() data: { label: string }): void {
    seen.push(data.label);
  }
}

let suite: SuiteServer | undefined;
let admin: Admin;
let server: ServerAMQP;
const errors: Error[] = [];

beforeAll(async () => {
  server = new ServerAMQP({ urls: [AMQP_URL], connectionName, connectionOptions: { maxBodySize: 4096 } });
  server.on('error', (error: Error) => errors.push(error));
  suite = await startSuiteServer(server, [SizedController], { deadLetterQueues: [dlq] });
  admin = suite.admin;
});

afterAll(() => stopSuiteServer(suite, [queue, dlq]));

describe('a message over maxBodySize', () => {
  it('is dead-lettered once with a typed error, and the same connection handles the next message', async () => {
    const big = JSON.stringify({ label: 'big', pad: 'x'.repeat(100_000) });
    await admin.publish('', queue, Buffer.from(big), { contentType: 'application/json', messageId: 'big-1' });
    await admin.publish('', queue, { label: 'small' });

    await waitFor(() => seen.includes('small'), 'the small message');
    await waitFor(async () => (await admin.messageCount(dlq)) === 1, 'the big message in the DLQ');
    expect(seen).toEqual(['small']);
    const [dead] = await admin.drain(dlq);
    expect(dead!.content.length).toBe(big.length);
    expect(dead!.properties.messageId).toBe('big-1');
    const death = (dead!.properties.headers?.['x-death'] as Array<{ reason: string; count: number }>)[0];
    expect(death).toMatchObject({ reason: 'rejected', count: 1 });

    await waitFor(() => errors.length > 0, 'the error event');
    const error = errors[0] as OversizeMessageError;
    expect(error).toBeInstanceOf(OversizeMessageError);
    expect(error).toMatchObject({ outcome: 'rejected', messageId: 'big-1', bodySize: big.length, maxBodySize: 4096 });

    // Not a reconnect: the connection that took the big message is the one still open.
    expect((await connectionNames()).filter((name) => name === connectionName)).toHaveLength(1);
    expect(server.unwrap<{ isOpen: boolean }>().isOpen).toBe(true);
    await admin.publish('', queue, { label: 'after' });
    await waitFor(() => seen.includes('after'), 'the message after');
    expect(await admin.messageCount(queue)).toBe(0);
  });
});
