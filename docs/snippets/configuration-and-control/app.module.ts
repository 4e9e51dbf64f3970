import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { TerminusModule } from '@nestjs/terminus';
import { AmqpModule, type AmqpConsumersConfig } from 'nestjs-amqp-transport';
import { HealthController } from './health.controller.js';
import { OrdersWorker } from './orders.worker.js';
import { settings } from './settings.js';

@Module({
  imports: [
    ConfigModule.forRoot({ ignoreEnvFile: true, load: [settings] }),
    TerminusModule.forRoot({ logger: false }),
    // The default connection: its consumers' settings come from ConfigService.
    AmqpModule.forRootAsync({
      imports: [ConfigModule],
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        urls: [config.getOrThrow<string>('amqpUrl')],
        consumers: config.getOrThrow<AmqpConsumersConfig>('consumers'),
      }),
    }),
    // A second, named connection (another broker or vhost in a real app): its own publisher.
    AmqpModule.forRootAsync({
      name: 'audit',
      imports: [ConfigModule],
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        urls: [config.getOrThrow<string>('amqpUrl')],
        queues: [{ name: 'docs.configuration-and-control.audit', durable: false }],
        // This publisher sends text instead of JSON.
        serializer: {
          serialize: (payload: unknown) => ({
            body: Buffer.from(String(payload)),
            contentType: 'text/plain',
          }),
        },
      }),
    }),
  ],
  providers: [OrdersWorker],
  controllers: [HealthController],
})
export class AppModule {}
