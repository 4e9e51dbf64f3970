import { URLParameters, type ConnectionParameters } from 'nestjs-amqp-transport';

// The engine's limits, tightened for an app that prefers failing fast to waiting.
// In a Nest app the same names go in `connectionOptions` (AmqpModule.forRoot, ServerAMQP, ClientAMQP).
export function engineParameters(url: string): ConnectionParameters {
  return new URLParameters(url).with({
    rpcTimeout: 10, // seconds a channel.open, queue.declare ... may wait for its reply (default 30)
    handshakeTimeout: 3, // seconds from TCP/TLS up to the broker's connection.start (default 5)
    heartbeat: 15, // seconds; wins over the broker's proposal, even a proposal of 0
    maxBodySize: 8 * 1024 * 1024, // bytes; a larger inbound body is refused (default 64 MiB)
  });
}
