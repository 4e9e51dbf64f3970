/**
 * The transport id of ServerAMQP. `Symbol.for` so that two copies of the package in one process
 * (a hoisting accident) still agree on it when Nest matches handlers to servers.
 */
export const AMQP_TRANSPORT: unique symbol = Symbol.for('nestjs-amqp-transport');
