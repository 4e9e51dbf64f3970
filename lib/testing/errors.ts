/** Errors of the test kit. */

/**
 * A broker behaviour the in-memory broker does not model (a queue argument, a method, an exchange
 * type). The broker refuses it loudly instead of behaving differently from RabbitMQ in silence: the
 * client's connection is closed with 540 NOT_IMPLEMENTED and a text starting "not modelled", and
 * the error is kept in `broker.notModelled` (and thrown by `broker.stop()` unless it was expected).
 */
export class NotModelledError extends Error {
  readonly code = 'ERR_AMQP_NOT_MODELLED';
  constructor(readonly feature: string) {
    super(`not modelled by the in-memory broker: ${feature}`);
    this.name = 'NotModelledError';
  }
}

/** A wait of the test kit (`waitForHandled`, `waitForQueueDepth` ...) ran out of time. */
export class TestKitTimeoutError extends Error {
  readonly code = 'ERR_AMQP_TESTKIT_TIMEOUT';
  constructor(what: string, timeoutMs: number, seen: string) {
    super(`timed out after ${timeoutMs} ms waiting for ${what} (${seen})`);
    this.name = 'TestKitTimeoutError';
  }
}

/** The vhost helper could not create, grant or delete a vhost. */
export class VhostHelperError extends Error {
  readonly code = 'ERR_AMQP_VHOST_HELPER';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VhostHelperError';
  }
}

/**
 * @internal What the broker answers a method with when it refuses it: a channel exception (soft:
 * 403, 404, 405, 406) or a connection exception (hard: 320, 403 at login, 503, 530, 540).
 */
export class AmqpRefusal extends Error {
  constructor(
    readonly replyCode: number,
    readonly replyText: string,
    readonly hard = false,
  ) {
    super(replyText);
  }
}

/** @internal Reply codes by name. */
export const Code = {
  NO_ROUTE: 312,
  ACCESS_REFUSED: 403,
  NOT_FOUND: 404,
  RESOURCE_LOCKED: 405,
  PRECONDITION_FAILED: 406,
  CONNECTION_FORCED: 320,
  FRAME_ERROR: 501,
  COMMAND_INVALID: 503,
  CHANNEL_ERROR: 504,
  NOT_ALLOWED: 530,
  NOT_IMPLEMENTED: 540,
} as const;

/** @internal RabbitMQ's reply text prefix for a code. */
export function codeName(code: number): string {
  for (const [name, value] of Object.entries(Code)) if (value === code) return name;
  return 'ERROR';
}

/** @internal A channel-level refusal with RabbitMQ's "NAME - text" reply text. */
export function refuse(code: number, text: string): AmqpRefusal {
  return new AmqpRefusal(code, `${codeName(code)} - ${text}`, code >= 500 || code === Code.CONNECTION_FORCED);
}
