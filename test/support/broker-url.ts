/**
 * Where the broker-facing suites connect: AMQP_URL when set (`npm run test:faults` and
 * `npm run test:rabbitmq4` point it at a node of their own), else the shared broker on
 * 127.0.0.1:5672. One place, so no suite can test the wrong broker by hard-coding the port.
 */

const DEFAULT_URL = 'amqp://guest:guest@127.0.0.1:5672';

/** The broker's AMQP URL (guest/guest unless AMQP_URL says otherwise). */
export function brokerUrl(): string {
  return process.env['AMQP_URL'] ?? DEFAULT_URL;
}

/** The broker's host and port, from {@link brokerUrl}. */
export function brokerAddress(): { host: string; port: number } {
  const url = new URL(brokerUrl());
  return { host: url.hostname || '127.0.0.1', port: Number(url.port || 5672) };
}

/**
 * The vhost of {@link brokerUrl}: `/` when the URL names none, else the suite's own one when
 * test/support/vhost/suite-vhost.ts pointed AMQP_URL at it. rabbitmqctl calls about a suite's queues
 * pass it as `-p`.
 */
export function brokerVhost(): string {
  const path = new URL(brokerUrl()).pathname;
  return path === '' || path === '/' ? '/' : decodeURIComponent(path.slice(1));
}

/** The same broker as {@link brokerUrl}, logged in as another user (vhost `/`). */
export function brokerUrlAs(user: string, password: string): string {
  const { host, port } = brokerAddress();
  return `amqp://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${port}/%2F`;
}
