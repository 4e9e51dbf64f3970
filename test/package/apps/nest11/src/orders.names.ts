// The orders app's broker names. Fixed names: its tests run it in a vhost of their own (or on the
// in-memory broker), so parallel runs never meet.
export const ORDERS_EXCHANGE = 'orders'; // a topic exchange
export const SHIPPING_QUEUE = 'orders.shipping';
export const FAILED_EXCHANGE = 'orders.failed'; // the dead-letter exchange (fanout)
export const PARKED_QUEUE = 'orders.parked';
export const INVOICES_QUEUE = 'orders.invoices';
export const ORDERS_RPC_QUEUE = 'orders.rpc';
export const QUOTES = 'QUOTES';
/** Between two attempts of a failed order: real seconds on RabbitMQ, fake time on the in-memory broker. */
export const RETRY_DELAY_MS = 1_000;
