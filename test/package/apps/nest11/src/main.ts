import { NestFactory } from '@nestjs/core';
import { ServerAMQP } from 'nestjs-amqp-transport';
import { AppModule } from './app.module';
import { AMQP_URL, RPC_QUEUE } from './names';

async function bootstrap() {
  const app = await NestFactory.create(AppModule);
  app.connectMicroservice({
    strategy: new ServerAMQP({
      urls: [AMQP_URL],
      queue: RPC_QUEUE,
      queueOptions: { durable: false, autoDelete: true },
      deadLetterQueue: false, // a test queue: nothing of it stays on the broker
    }),
  });
  await app.startAllMicroservices();
  await app.listen(process.env.PORT ?? 3000);
}
bootstrap();
