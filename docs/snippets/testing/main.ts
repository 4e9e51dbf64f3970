import 'reflect-metadata';
import assert from 'node:assert/strict';
import { testConsumer } from './consumer.test.js';
import { testOnRealBroker } from './integration.test.js';
import { testPublisher } from './publisher.test.js';
import { testRetryThenDeadLetter } from './retry.test.js';
import { testRpc } from './rpc.test.js';
import { testMessageTtl } from './ttl.test.js';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

// The real-broker test spends most of its time waiting for rabbitmqctl: start it first, check it last.
const onRealBroker = testOnRealBroker(AMQP_URL);
onRealBroker.catch(() => undefined); // awaited below

assert.deepEqual(await testConsumer(), [{ order: 1, amount: 30 }]);
assert.deepEqual(await testPublisher(), {
  key: 'user.ada.welcome',
  body: { user: 'ada' },
  persistent: true,
  failure: 'PublishNackedError',
});
assert.equal(await testRpc(), 42);
assert.deepEqual(await testRetryThenDeadLetter(), {
  retries: 2,
  reason: 'rejected',
  to: 'docs.testing.failed',
  body: { id: 3, total: -1 },
  exchange: 'docs.testing.failed',
});
assert.deepEqual(await testMessageTtl(), [1, 0]);
console.log('on the in-memory broker: ok');
assert.deepEqual(await onRealBroker, { order: 4, amount: 5 });
console.log('on RabbitMQ, in a vhost of its own: ok');
