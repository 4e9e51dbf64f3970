/**
 * Request-scoped controllers and providers (Nest builds them anew per message and injects its
 * `REQUEST`: pattern, data and the AmqpContext) on ServerAMQP, against the real broker: on the
 * default queue (RPC and events) and on a @QueueConsumer queue, with acks after the handler and
 * failures dead-lettered exactly as for singleton controllers.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Inject, Injectable, Scope } from '@nestjs/common';
import { CONTEXT, EventPattern, MessagePattern, Payload, type RequestContext } from '@nestjs/microservices';
import { AmqpContext } from '../../../../lib/transport/core/amqp.context.js';
import { QueueConsumer } from '../../../../lib/transport/decorators/queue-consumer.decorator.js';
import { ServerAMQP } from '../../../../lib/transport/server/server-amqp.js';
import { AMQP_URL, deadLetteringTo, startSuiteServer, stopSuiteServer, uniqueName, waitFor, type Admin, type SuiteServer } from './support.js';

const queue = uniqueName('scoped-rpc');
const consumerQueue = uniqueName('scoped-consumer');
const dlq = uniqueName('scoped-dlq');
let instances = 0;
const seen: Array<{ instance: number; pattern: unknown; data: unknown; routingKey: string }> = [];

/** Built per message: records which message it was built for. */
@Injectable({ scope: Scope.REQUEST })
class MessageScope {
  readonly instance = ++instances;
  constructor(@Inject(CONTEXT) readonly request: RequestContext<unknown, AmqpContext>) {}

  note(): void {
    const context = this.request.getContext();
    seen.push({
      instance: this.instance,
      pattern: this.request.getPattern(),
      data: this.request.getData(),
      routingKey: context.fields.routingKey,
    });
  }
}

@Controller()
class ScopedController {
  constructor(private readonly scope: MessageScope) {}

  @MessagePattern('scoped.sum')
  sum(@Payload() numbers: number[]): { total: number; instance: number } {
    this.scope.note();
    return { total: numbers.reduce((a, b) => a + b, 0), instance: this.scope.instance };
  }

  @EventPattern<string>('scoped.event')
  event(@Payload() data: { fail?: boolean }): void {
    this.scope.note();
    if (data.fail === true) throw new Error('scoped event failed');
  }

  @QueueConsumer(consumerQueue, { durable: false, deadLetterExchange: '', deadLetterRoutingKey: dlq })
  consume(@Payload() data: { fail?: boolean }): void {
    this.scope.note();
    if (data.fail === true) throw new Error('scoped consumer failed');
  }
}

let suite: SuiteServer | undefined;
let admin: Admin;

beforeAll(async () => {
  suite = await startSuiteServer(
    new ServerAMQP({ urls: [AMQP_URL], queue, queueOptions: deadLetteringTo(dlq) }),
    [ScopedController],
    { providers: [MessageScope], deadLetterQueues: [dlq] },
  );
  admin = suite.admin;
});

afterAll(() => stopSuiteServer(suite, [queue, consumerQueue, dlq]));

describe('request-scoped controllers on ServerAMQP', () => {
  it('answers each RPC from an instance of its own that sees the request', async () => {
    const first = await admin.request(queue, 'scoped.sum', [1, 2, 3]);
    const second = await admin.request(queue, 'scoped.sum', [4, 5]);
    const a = first.at(-1) as { response: { total: number; instance: number } };
    const b = second.at(-1) as { response: { total: number; instance: number } };
    expect(a.response.total).toBe(6);
    expect(b.response.total).toBe(9);
    expect(a.response.instance).not.toBe(b.response.instance);
    const notes = seen.filter((s) => s.pattern === 'scoped.sum');
    expect(notes.map((n) => n.data)).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
    expect(notes[0]!.routingKey).toBe(queue);
  });

  it('acks events after the scoped handler; a failing one is dead-lettered', async () => {
    await admin.publish('', queue, { pattern: 'scoped.event', data: {} });
    await admin.publish('', queue, { pattern: 'scoped.event', data: { fail: true } });
    await waitFor(async () => (await admin.messageCount(dlq)) === 1, 'the failed event in the DLQ');
    const [dead] = await admin.drain(dlq);
    expect(JSON.parse(dead!.content.toString())).toEqual({ pattern: 'scoped.event', data: { fail: true } });
    expect(seen.filter((s) => s.pattern === 'scoped.event')).toHaveLength(2);
    expect(await admin.messageCount(queue)).toBe(0);
  });

  it('runs a @QueueConsumer of a scoped controller per message, dead-lettering its failure', async () => {
    await admin.publish('', consumerQueue, { n: 1 });
    await admin.publish('', consumerQueue, { fail: true });
    await waitFor(async () => (await admin.messageCount(dlq)) === 1, 'the failed message in the DLQ');
    const notes = seen.filter((s) => s.routingKey === consumerQueue);
    expect(notes.map((n) => n.data)).toEqual([{ n: 1 }, { fail: true }]);
    expect(new Set(notes.map((n) => n.instance)).size).toBe(2);
    const [dead] = await admin.drain(dlq);
    expect(JSON.parse(dead!.content.toString())).toEqual({ fail: true });
    expect(await admin.messageCount(consumerQueue)).toBe(0);
  });
});
