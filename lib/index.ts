/**
 * `nestjs-amqp-transport`: the Nest layer, and the AMQP 0-9-1 engine it is built on
 * (also available alone as `nestjs-amqp-transport/protocol`).
 */
export * from './transport/index.js';
export * from './protocol/index.js';
