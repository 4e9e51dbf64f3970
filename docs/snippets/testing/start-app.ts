import type { INestMicroservice } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ServerAMQP } from 'nestjs-amqp-transport';
import { RPC, ordersModule } from './orders.controller.js';

/** Compiles the app's module and runs it as a microservice on the broker at `url`. */
export async function startApp(url: string): Promise<INestMicroservice> {
  const moduleRef = await Test.createTestingModule({ imports: [ordersModule(url)] }).compile();
  const app = moduleRef.createNestMicroservice({ strategy: new ServerAMQP({ urls: [url], queue: RPC }), logger: false });
  await app.listen();
  return app;
}
