/**
 * One error tree for the whole package. Every failure is an {@link AMQPError} with a stable `code`;
 * protocol failures carry the AMQP reply code and text, the class and method that caused them, and
 * whether the broker or this side closed.
 *
 * This file is the tree's one entry: the classes live in errors/, one file per layer (base, codec,
 * connection, channel, publish, recovery, options), each importing only those below it.
 */
export * from './errors/base.js';
export * from './errors/frame-errors.js';
export * from './errors/connection-errors.js';
export * from './errors/channel-errors.js';
export * from './errors/publish-errors.js';
export * from './errors/recovery-errors.js';
export * from './errors/option-errors.js';
