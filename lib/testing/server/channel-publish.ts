/**
 * basic.publish on the broker's side: the checks RabbitMQ makes (404 no exchange, 403 internal
 * exchange, 406 user-id or expiration, 406 reply-to without a reply consumer), direct reply-to,
 * routing, mandatory returns (312 NO_ROUTE), publisher confirms (ack, or nack when a queue with
 * reject-publish refused it), the journal record, and the faults a test armed for publishes.
 */
import type { BasicProperties, BasicPublish } from '../../protocol/index.js';
import type { PublishOutcome } from '../broker/journal.js';
import { validExpiration } from '../broker/message.js';
import type { VirtualHost } from '../broker/virtual-host.js';
import { Code, refuse } from '../errors.js';
import type { ChannelHost } from './channel-host.js';

export const REPLY_TO = 'amq.rabbitmq.reply-to';

/** What the publish path needs of its channel. */
export interface PublishingChannel {
  readonly number: number;
  readonly connection: ChannelHost;
  readonly vhost: VirtualHost;
  /** Next publish sequence number in confirm mode, undefined otherwise. */
  nextConfirmTag(): number | undefined;
  /** The reply token when this channel consumes amq.rabbitmq.reply-to. */
  readonly replyToken: string | undefined;
}

export function publish(ch: PublishingChannel, args: BasicPublish, properties: BasicProperties, body: Buffer): void {
  const { vhost, connection } = ch;
  const { exchange, routingKey, mandatory } = args;
  if (exchange !== '') {
    const x = vhost.exchange(exchange);
    if (x.internal) throw refuse(Code.ACCESS_REFUSED, `cannot publish to internal exchange '${exchange}' in vhost '${vhost.name}'`);
  }
  if (properties.userId !== undefined && properties.userId !== connection.user) {
    throw refuse(Code.PRECONDITION_FAILED, `user_id property set to '${properties.userId}' but authenticated user was '${connection.user}'`);
  }
  if (!validExpiration(properties.expiration)) throw refuse(Code.PRECONDITION_FAILED, `invalid expiration '${String(properties.expiration)}'`);
  if (properties.replyTo === REPLY_TO) {
    if (ch.replyToken === undefined) throw refuse(Code.PRECONDITION_FAILED, 'fast reply consumer does not exist');
    properties = { ...properties, replyTo: `${REPLY_TO}.${ch.replyToken}` };
  }
  const confirmTag = ch.nextConfirmTag();
  const record = (queues: string[], outcome: PublishOutcome): void =>
    connection.broker.journal.recordPublish({ vhost: vhost.name, exchange, routingKey, properties, body, mandatory, queues, outcome });
  const sendReturn = (): void =>
    connection.sendContent(ch.number, 'basic.return', { replyCode: Code.NO_ROUTE, replyText: 'NO_ROUTE', exchange, routingKey }, properties, body);
  const confirm = (ok: boolean): void => {
    if (confirmTag !== undefined) connection.sendMethod(ch.number, ok ? 'basic.ack' : 'basic.nack', { deliveryTag: confirmTag, multiple: false });
  };

  const fault = connection.broker.faults.take('publish', { vhost: vhost.name, exchange, routingKey, body });
  if (fault !== undefined) {
    switch (fault.kind) {
      case 'nack':
        record([], 'nacked');
        return confirm(false);
      case 'return':
        record([], 'returned');
        sendReturn();
        return confirm(true);
      case 'close-channel':
        record([], 'nacked');
        throw refuse(fault.code, fault.text ?? 'closed by the test (failure injection)');
      case 'close-connection':
        record([], 'nacked');
        connection.closeConnection(fault.code, fault.text ?? 'CONNECTION_FORCED - closed by the test (failure injection)');
        return;
      case 'drop-connection':
        record([], 'nacked');
        connection.drop();
        return;
    }
  }

  let queues: string[];
  let rejected = false;
  if (exchange === '' && routingKey.startsWith(`${REPLY_TO}.`)) {
    const target = vhost.replyTargets.get(routingKey.slice(REPLY_TO.length + 1));
    target?.deliverReply({ seq: vhost.nextSeq(), exchange, routingKey, properties, body });
    queues = target === undefined ? [] : [REPLY_TO];
  } else {
    const result = vhost.publish(exchange, routingKey, properties, body);
    queues = result.queues.map((q) => q.name);
    rejected = result.rejected;
  }
  if (queues.length === 0) {
    if (mandatory) sendReturn();
    record(queues, mandatory ? 'returned' : 'unroutable');
    return confirm(true);
  }
  record(queues, rejected ? 'rejected' : 'routed');
  confirm(!rejected);
}
