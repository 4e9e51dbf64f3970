/**
 * Where the sample connects and what it names. AMQP_URL, PORT and the SAMPLE_* names can be
 * overridden from the environment (the sample's own test runs it with unique names).
 */
export const AMQP_URL = process.env['AMQP_URL'] ?? 'amqp://guest:guest@localhost:5672';
/**
 * The connection settings of the server, the client and the publisher: the same URLs and the
 * default connectionKey make them share one AMQP connection, named so in the management UI.
 */
export const CONNECTION = { urls: [AMQP_URL], connectionName: 'nestjs-amqp-transport sample' };
/** The default queue of the sample's ServerAMQP (@MessagePattern / @EventPattern). */
export const RPC_QUEUE = process.env['SAMPLE_RPC_QUEUE'] ?? 'sample_rpc';
/** The queue the @QueueConsumer reads. */
export const TEST_QUEUE = process.env['SAMPLE_TEST_QUEUE'] ?? 'test';
/** A topic exchange the sample declares, with the test queue bound to it for 'orders.*'. */
export const ORDERS_EXCHANGE = process.env['SAMPLE_ORDERS_EXCHANGE'] ?? 'sample.orders';
/** The injection token of the sample's ClientAMQP. */
export const MATH_CLIENT = 'MATH_CLIENT';
