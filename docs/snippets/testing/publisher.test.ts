import { Inject, Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AmqpModule, AmqpPublisher } from 'nestjs-amqp-transport';
import { InMemoryBroker } from 'nestjs-amqp-transport/testing';

@Injectable()
class Notifier {
  constructor(@Inject(AmqpPublisher) private readonly publisher: AmqpPublisher) {}
  welcome(user: string): Promise<void> {
    return this.publisher.publish('amq.topic', `user.${user}.welcome`, { user }, { persistent: true });
  }
}

/**
 * A publisher: call the provider, then look at what reached the broker (publish settles on the
 * broker's confirm); then the same call when the broker nacks it (a failure injected at that point).
 */
export async function testPublisher(): Promise<unknown> {
  const broker = await InMemoryBroker.start();
  @Module({ imports: [AmqpModule.forRoot({ urls: [broker.url()] })], providers: [Notifier] })
  class AppModule {}
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  await moduleRef.init();
  try {
    await moduleRef.get(Notifier).welcome('ada');
    const [message] = broker.published({ exchange: 'amq.topic' });
    broker.failNextPublish({ kind: 'nack' }, { routingKey: 'user.bob.welcome' });
    const failure = await moduleRef.get(Notifier).welcome('bob').catch((e: Error) => e.name);
    return { key: message?.routingKey, body: message?.json(), persistent: message?.properties.deliveryMode === 2, failure };
  } finally {
    await moduleRef.close();
    await broker.stop();
  }
}
