// An ES module app that imports the package first, then reaches it by require() (a CommonJS
// dependency would): both must give the ES module copy's classes.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as first from 'nestjs-amqp-transport';
import * as firstProtocol from 'nestjs-amqp-transport/protocol';

const require = createRequire(import.meta.url);
const check = require('./check.cjs');
const second = require('nestjs-amqp-transport');
const secondProtocol = require('nestjs-amqp-transport/protocol');
const lost = require(join(dirname(require.resolve('nestjs-amqp-transport')), '..', 'cjs', 'index.js'));
await check({ order: 'import, then require', first, second, firstProtocol, secondProtocol, lost });
