/**
 * The channel's exchange and queue methods (declare, delete, bind, unbind, purge), on top of the
 * inbound dispatch in channel-core.ts. They are synchronous methods only, never on a message's path;
 * channel.ts adds basic, confirm and tx on top of this. Their arguments are built in declare-args.ts.
 */
import type {
  ExchangeBindOk,
  ExchangeDeclareOk,
  ExchangeDeleteOk,
  ExchangeUnbindOk,
  QueueBindOk,
  QueueDeclareOk,
  QueueDeleteOk,
  QueuePurgeOk,
  QueueUnbindOk,
} from '../codec/index.js';
import type { Continuation } from '../continuation.js';
import { ChannelCore } from './channel-core.js';
import type {
  ExchangeBindOptions,
  ExchangeDeclareOptions,
  ExchangeDeleteOptions,
  QueueBindOptions,
  QueueDeclareOptions,
  QueueDeleteOptions,
  QueuePurgeOptions,
} from './channel-options.js';
import {
  exchangeBindArgs,
  exchangeDeclareArgs,
  exchangeDeleteArgs,
  queueBindArgs,
  queueDeclareArgs,
  queueDeleteArgs,
} from './declare-args.js';
import { checkName } from './validate.js';

/** The exchange and queue methods of the public Channel (channel.ts). */
export abstract class ChannelTopology extends ChannelCore {
  /** Declares an exchange (`passive`: only check that it exists). */
  exchangeDeclare(o: ExchangeDeclareOptions, cb?: Continuation<ExchangeDeclareOk>): Promise<ExchangeDeclareOk> {
    this.assertOpen('exchange.declare');
    return this.call('exchange.declare', exchangeDeclareArgs(o), (m) => m.args as ExchangeDeclareOk, cb);
  }

  exchangeDelete(o: ExchangeDeleteOptions, cb?: Continuation<ExchangeDeleteOk>): Promise<ExchangeDeleteOk> {
    this.assertOpen('exchange.delete');
    return this.call('exchange.delete', exchangeDeleteArgs(o), (m) => m.args as ExchangeDeleteOk, cb);
  }

  /** Binds exchange `destination` to exchange `source` (RabbitMQ's exchange-to-exchange bindings). */
  exchangeBind(o: ExchangeBindOptions, cb?: Continuation<ExchangeBindOk>): Promise<ExchangeBindOk> {
    this.assertOpen('exchange.bind');
    return this.call('exchange.bind', exchangeBindArgs(o), (m) => m.args as ExchangeBindOk, cb);
  }

  exchangeUnbind(o: ExchangeBindOptions, cb?: Continuation<ExchangeUnbindOk>): Promise<ExchangeUnbindOk> {
    this.assertOpen('exchange.unbind');
    return this.call('exchange.unbind', exchangeBindArgs(o), (m) => m.args as ExchangeUnbindOk, cb);
  }

  /** Declares a queue; `queue: ''` (default) lets the broker name it. */
  queueDeclare(o: QueueDeclareOptions = {}, cb?: Continuation<QueueDeclareOk>): Promise<QueueDeclareOk> {
    this.assertOpen('queue.declare');
    return this.call('queue.declare', queueDeclareArgs(o), (m) => m.args as QueueDeclareOk, cb);
  }

  queueBind(o: QueueBindOptions, cb?: Continuation<QueueBindOk>): Promise<QueueBindOk> {
    this.assertOpen('queue.bind');
    return this.call('queue.bind', queueBindArgs(o), (m) => m.args as QueueBindOk, cb);
  }

  queueUnbind(o: QueueBindOptions, cb?: Continuation<QueueUnbindOk>): Promise<QueueUnbindOk> {
    this.assertOpen('queue.unbind');
    return this.call('queue.unbind', queueBindArgs(o), (m) => m.args as QueueUnbindOk, cb);
  }

  queuePurge(o: QueuePurgeOptions, cb?: Continuation<QueuePurgeOk>): Promise<QueuePurgeOk> {
    this.assertOpen('queue.purge');
    const queue = checkName('queue', o.queue);
    return this.call('queue.purge', { queue }, (m) => m.args as QueuePurgeOk, cb);
  }

  queueDelete(o: QueueDeleteOptions, cb?: Continuation<QueueDeleteOk>): Promise<QueueDeleteOk> {
    this.assertOpen('queue.delete');
    return this.call('queue.delete', queueDeleteArgs(o), (m) => m.args as QueueDeleteOk, cb);
  }
}
