import 'reflect-metadata';
import assert from 'node:assert/strict';
import { testWithBroker } from './with-broker.js';
import { testWithoutBroker } from './without-broker.js';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

assert.deepEqual(await testWithoutBroker(), [{ order: 'o-1', amount: 10 }]);
console.log('without a broker: ok');
assert.deepEqual(await testWithBroker(AMQP_URL), { order: 'o-2', amount: 20 });
console.log('with a broker: ok');
