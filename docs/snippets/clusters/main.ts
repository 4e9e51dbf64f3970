import { ClientAMQP } from 'nestjs-amqp-transport';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

// A cluster is a list of its nodes: tried in order at start-up and again on every reconnect. Here the
// first "node" is a port where nothing listens, so the client moves on to the second.
const client = new ClientAMQP({
  urls: ['amqp://guest:guest@127.0.0.1:1', AMQP_URL],
  connectionOptions: {
    connectionAttempts: 2, // per host, at start-up
    retryDelay: 0.2, // seconds between those attempts
    socketTimeout: 2, // seconds to wait for a TCP connect
  },
  // After a loss: reconnect with backoff, restore channels, queues, bindings and consumers.
  recovery: { initialDelayMs: 100, maxDelayMs: 5_000 },
});
client.on('connected', () => console.log('connected'));
const connection = await client.connect();
console.log(`open: ${connection.isOpen}`);
await client.close();
