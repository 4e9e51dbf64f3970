/**
 * `@QueueConsumer` on a provider (no controller, no ServerAMQP): AmqpModule runs it with Nest's
 * guards, interceptors, pipes and exception filters in the 'rpc' context; a consumer naming a
 * connection the app does not have fails start-up naming both.
 */
import { describe, it, expect, afterAll, beforeAll } from '@jest/globals';
import {
  Catch,
  Injectable,
  Scope,
  UseFilters,
  UseGuards,
  UseInterceptors,
  UsePipes,
  type ArgumentsHost,
  type CallHandler,
  type CanActivate,
  type ExceptionFilter,
  type ExecutionContext,
  type INestApplication,
  type NestInterceptor,
  type PipeTransform,
} from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import type { Observable } from 'rxjs';
import { tap } from 'rxjs/operators';
import { AmqpContext, AmqpModule, QueueConsumer, UnknownConnectionError } from '../../../../lib/index.js';
import { queueCounts } from '../../../support/queue-probe.js';
import { AMQP_URL, openAdmin, uniqueName, waitFor, type Admin } from '../client/support.js';

const queue = uniqueName('module-provider');
const deadLetters = uniqueName('module-provider-dlq');
const events: string[] = [];
const handled: Array<{ payload: unknown; redelivered: boolean }> = [];

class RejectBlocked implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const data = context.switchToRpc().getData<{ blocked?: boolean }>();
    events.push(`guard:${context.getType()}`);
    return data.blocked !== true;
  }
}

class Around implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    events.push(`before:${context.getHandler().name}`);
    return next.handle().pipe(tap(() => events.push('after')));
  }
}

class Upper implements PipeTransform {
  transform(value: unknown): unknown {
    return typeof value === 'object' && value !== null && 'text' in value ? { ...value, text: String(value.text).toUpperCase() } : value;
  }
}

class Refused extends Error {}

@Catch(Refused)
class RecordRefused implements ExceptionFilter {
  catch(exception: Refused, _host: ArgumentsHost): never {
    events.push(`filter:${exception.message}`);
    throw exception;
  }
}

@Injectable()
class InboxService {
  @QueueConsumer(queue, { durable: false, deadLetterExchange: '', deadLetterRoutingKey: deadLetters })
  @UseGuards(RejectBlocked)
  @UseInterceptors(Around)
  @UsePipes(Upper)
  @UseFilters(RecordRefused)
  onMessage(@Payload() payload: { text: string; refuse?: boolean }, @Ctx() ctx: AmqpContext): void {
    if (payload.refuse === true) throw new Refused(payload.text);
    handled.push({ payload, redelivered: ctx.getMessage().fields.redelivered });
  }
}

describe('@QueueConsumer on a provider', () => {
  let admin: Admin;
  let app: INestApplication;

  beforeAll(async () => {
    admin = await openAdmin();
    await admin.channel.assertQueue(deadLetters, { durable: false });
    const moduleRef = await Test.createTestingModule({
      imports: [AmqpModule.forRoot({ urls: [AMQP_URL], connectionKey: uniqueName('module-provider') })],
      providers: [InboxService],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    await admin?.deleteQueues(queue, deadLetters);
    await admin?.close();
  });

  const send = (body: object): void => {
    admin.channel.sendToQueue(queue, Buffer.from(JSON.stringify(body)), { contentType: 'application/json' });
  };

  it('is consumed when the app starts, through the pipe, guard and interceptor', async () => {
    expect(await queueCounts(queue)).toMatchObject({ consumerCount: 1 });
    send({ text: 'hello' });
    await waitFor(() => (handled.length === 1 ? true : undefined), 10_000);
    expect(handled).toEqual([{ payload: { text: 'HELLO' }, redelivered: false }]);
    await waitFor(() => (events.includes('after') ? true : undefined));
    expect(events).toEqual(['guard:rpc', 'before:onMessage', 'after']);
  });

  it('dead-letters a message the guard refuses, and one whose handler throws after the filter saw it', async () => {
    events.length = 0;
    send({ text: 'no', blocked: true });
    send({ text: 'bad', refuse: true });
    const dead = await waitFor(async () => {
      const info = await admin.channel.checkQueue(deadLetters);
      return info.messageCount === 2 ? info : undefined;
    }, 10_000);
    expect(dead.messageCount).toBe(2);
    expect(events).toEqual(expect.arrayContaining(['guard:rpc', 'filter:BAD']));
    expect(handled).toHaveLength(1);
    const info = await admin.channel.checkQueue(queue);
    expect(info.messageCount).toBe(0);
  });

  it('fails start-up naming a request-scoped provider that hosts a consumer', async () => {
    @Injectable({ scope: Scope.REQUEST })
    class PerRequest {
      @QueueConsumer(uniqueName('module-provider-never'))
      onWork(): void {}
    }
    const moduleRef = await Test.createTestingModule({
      imports: [AmqpModule.forRoot({ urls: [AMQP_URL], connectionKey: uniqueName('module-provider-scope') })],
      providers: [PerRequest],
    }).compile();
    const broken = moduleRef.createNestApplication({ logger: false });
    const error = await broken.init().then(
      () => undefined,
      (e: unknown) => e,
    );
    await broken.close();
    expect((error as Error).message).toContain('PerRequest.onWork: a request- or transient-scoped provider cannot host a @QueueConsumer');
  });

  it('fails start-up naming the consumer and the connection it names when the app has no such connection', async () => {
    @Injectable()
    class BillingWorker {
      @QueueConsumer(uniqueName('module-provider-never'), { connection: 'billing' })
      onInvoice(): void {}
    }
    const moduleRef = await Test.createTestingModule({
      imports: [AmqpModule.forRoot({ urls: [AMQP_URL], connectionKey: uniqueName('module-provider-x') })],
      providers: [BillingWorker],
    }).compile();
    const broken = moduleRef.createNestApplication({ logger: false });
    const error = await broken.init().then(
      () => undefined,
      (e: unknown) => e,
    );
    await broken.close();
    expect(error).toBeInstanceOf(UnknownConnectionError);
    expect((error as Error).message).toContain('consumer BillingWorker.onInvoice names AmqpModule connection "billing"');
    expect((error as Error).message).toContain('registered: "(unnamed)"');
  });
});
