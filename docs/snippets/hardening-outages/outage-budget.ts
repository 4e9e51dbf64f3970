import type { AmqpModuleOptions } from 'nestjs-amqp-transport';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

// One budget per connection, shared by everything that waits for it while it is down:
// AmqpPublisher.publish / sendToQueue / request, ClientAMQP.emit / send, and the engine's buffer.
export const amqpOptions: AmqpModuleOptions = {
  urls: [AMQP_URL],
  recovery: {
    outage: {
      maxBytes: 16 * 1024 * 1024, // bodies held at once while disconnected (default 64 MiB)
      maxMessages: 5_000, // messages held at once (default 10,000)
      deadlineMs: 20_000, // longest one waits for the connection to come back (default 60 s)
    },
  },
};
