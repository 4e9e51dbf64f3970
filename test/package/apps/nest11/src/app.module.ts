import { Module } from '@nestjs/common';
import { ClientsModule } from '@nestjs/microservices';
import { AmqpModule, ClientAMQP } from 'nestjs-amqp-transport';
import { JobsController } from './jobs.controller';
import { AMQP_URL, MATH, RPC_QUEUE } from './names';
import { ReceivedService } from './received.service';

@Module({
  imports: [
    AmqpModule.forRoot({ urls: [AMQP_URL] }),
    ClientsModule.register([
      {
        name: MATH,
        customClass: ClientAMQP,
        options: { urls: [AMQP_URL], queue: RPC_QUEUE, queueOptions: { durable: false, autoDelete: true } },
      },
    ]),
  ],
  controllers: [JobsController],
  providers: [ReceivedService],
})
export class AppModule {}
