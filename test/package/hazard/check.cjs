// One copy per process, checked: `first` is the package as the app reached it first, `second` as it
// reached it the other way (require or import). Every export must be the same value (classes used as
// injection tokens included), errors thrown by one must be instances of the other's classes, and a
// provider registered through one must be found by the other's token. The build that lost is loaded
// by file too, to show there really are two copies the entry points chose between.
'use strict';
const assert = require('node:assert/strict');

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

function sameExports(label, a, b) {
  const names = Object.keys(a).filter((name) => name !== 'default' && name !== '__esModule');
  assert.ok(names.length > 20, `${label}: only ${names.length} exports`);
  const differ = names.filter((name) => a[name] !== b[name]);
  assert.deepEqual(differ, [], `${label}: exports that differ between require and import`);
  return names.length;
}

function throwsAcross(label, from, to) {
  try {
    new from.URLParameters('amqp://%zz@localhost');
  } catch (error) {
    assert.ok(error instanceof to.ParameterError, `${label}: not instanceof ParameterError of the other`);
    assert.ok(error instanceof to.AMQPError, `${label}: not instanceof AMQPError of the other`);
    return;
  }
  assert.fail(`${label}: a malformed URL was accepted`);
}

async function providerAcross(first, second) {
  const { Module } = await import('@nestjs/common');
  const { NestFactory } = await import('@nestjs/core');
  class AppModule {}
  Module({ imports: [first.AmqpModule.forRoot({ urls: [AMQP_URL] })] })(AppModule);
  const context = await NestFactory.createApplicationContext(AppModule, { logger: ['error'] });
  try {
    const publisher = context.get(second.AmqpPublisher);
    assert.ok(publisher instanceof first.AmqpPublisher, 'the publisher is not the first copy’s class');
  } finally {
    await context.close();
  }
}

/** `lost` is the other build's own index, loaded by file: it must differ, or this test proves nothing. */
module.exports = async function check({ order, first, second, firstProtocol, secondProtocol, lost }) {
  const count = sameExports(`${order} (.)`, first, second);
  sameExports(`${order} (./protocol)`, firstProtocol, secondProtocol);
  sameExports(`${order} (./protocol and .)`, firstProtocol, first);
  assert.notEqual(lost.AmqpPublisher, first.AmqpPublisher, 'the other build is not a second copy');
  throwsAcross(`${order}: thrown by the first`, first, second);
  throwsAcross(`${order}: thrown by the second`, second, first);
  throwsAcross(`${order}: thrown by /protocol`, secondProtocol, first);
  await providerAcross(first, second);
  await providerAcross(second, first);
  console.log(
    `one copy (${order}): ${count} exports identical, errors instanceof both ways, AmqpPublisher resolved across`,
  );
};
