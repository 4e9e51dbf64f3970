// A CommonJS app that reaches the package by require() first, then by import() (an ES module
// dependency would): both must give the CommonJS copy's classes.
'use strict';
const { dirname, join } = require('node:path');
const { pathToFileURL } = require('node:url');
const check = require('./check.cjs');

const first = require('nestjs-amqp-transport');
const firstProtocol = require('nestjs-amqp-transport/protocol');

(async () => {
  const second = await import('nestjs-amqp-transport');
  const secondProtocol = await import('nestjs-amqp-transport/protocol');
  const esmBuild = join(dirname(require.resolve('nestjs-amqp-transport')), '..', 'esm', 'index.js');
  const lost = await import(pathToFileURL(esmBuild).href);
  await check({ order: 'require, then import', first, second, firstProtocol, secondProtocol, lost });
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
