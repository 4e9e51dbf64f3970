import { Injectable, type BeforeApplicationShutdown, type OnApplicationShutdown } from '@nestjs/common';

/**
 * Says what happens on shutdown (app.close(), or SIGINT / SIGTERM through enableShutdownHooks()):
 * consumers are cancelled, in-flight handlers finish and are acked, then the connection closes.
 */
@Injectable()
export class ShutdownNotice implements BeforeApplicationShutdown, OnApplicationShutdown {
  beforeApplicationShutdown(signal?: string): void {
    console.log(`shutting down${signal === undefined ? '' : ` on ${signal}`}: draining in-flight messages`);
  }

  onApplicationShutdown(): void {
    console.log('shut down: consumers stopped, messages settled, connection closed');
  }
}
