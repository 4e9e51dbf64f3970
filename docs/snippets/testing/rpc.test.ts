import { lastValueFrom } from 'rxjs';
import { ClientAMQP } from 'nestjs-amqp-transport';
import { InMemoryBroker } from 'nestjs-amqp-transport/testing';
import { RPC } from './orders.controller.js';
import { startApp } from './start-app.js';

/** An RPC through ClientAMQP and ServerAMQP, as in production (direct reply-to included). */
export async function testRpc(): Promise<number> {
  const broker = await InMemoryBroker.start();
  const app = await startApp(broker.url());
  try {
    const quotes = app.get<ClientAMQP>('QUOTES');
    const total = await lastValueFrom(quotes.send<number>('quote', [10, 20, 12]));
    await broker.waitForHandled(RPC, 1); // the request was acked once the reply was sent
    return total; // 42
  } finally {
    await app.close();
    await broker.stop();
  }
}
