/**
 * The broker's side of one client connection: the protocol header, connection.start / tune / open
 * (PLAIN login, 403 for a wrong password, 530 for an unknown vhost), channels, heartbeats (echoed),
 * and the close handshake either way. Methods on open channels go to {@link ServerChannel}; a
 * refusal becomes channel.close (soft codes) or connection.close (hard codes, and 540 for anything
 * not modelled).
 */
import {
  FrameParser,
  HEARTBEAT_FRAME,
  PROTOCOL_HEADER,
  encodeContentFrames,
  encodeMethodFrame,
  type AnyMethod,
  type BasicProperties,
  type FieldTable,
  type MethodName,
} from '../../protocol/index.js';
import { AmqpRefusal, Code, NotModelledError, refuse } from '../errors.js';
import type { VirtualHost } from '../broker/virtual-host.js';
import type { BrokerCore } from './broker-core.js';
import type { MemoryPipe, ServerEnd } from './memory-transport.js';
import { ServerChannel } from './server-channel.js';

type Phase = 'header' | 'start-ok' | 'tune-ok' | 'open' | 'open-done' | 'closing' | 'closed';

const PRODUCT = 'nestjs-amqp-transport in-memory broker';

export class ServerConnection implements ServerEnd {
  readonly channels = new Map<number, ServerChannel>();
  user = '';
  vhost: VirtualHost | undefined;
  clientProperties: FieldTable = {};
  frameMax: number;
  #phase: Phase = 'header';
  #header = Buffer.alloc(0);
  readonly #parser: FrameParser;

  constructor(
    readonly broker: BrokerCore,
    readonly pipe: MemoryPipe,
  ) {
    this.frameMax = broker.tuning.frameMax;
    this.#parser = new FrameParser(
      {
        onMethod: (channel, method) => this.#onMethod(channel, method, undefined, undefined),
        onContent: (channel, method, properties, body) => this.#onMethod(channel, method, properties, body),
        onHeartbeat: () => {
          if (this.#phase === 'open-done') this.pipe.send(HEARTBEAT_FRAME);
        },
        onFrameError: (error) => this.closeConnection(error.replyCode ?? Code.FRAME_ERROR, `FRAME_ERROR - ${error.message}`),
      },
      { frameMax: 0 },
    );
  }

  /** True while the client may use the connection. */
  get isOpen(): boolean {
    return this.#phase === 'open-done';
  }

  /** The client asked for broker-side consumer cancel notifications. */
  get cancelNotify(): boolean {
    const caps = this.clientProperties['capabilities'];
    return typeof caps === 'object' && caps !== null && (caps as FieldTable)['consumer_cancel_notify'] === true;
  }

  receive(chunk: Buffer): void {
    if (this.#phase === 'closed') return;
    if (this.#phase === 'header') {
      const need = 8 - this.#header.length;
      this.#header = Buffer.concat([this.#header, chunk.subarray(0, need)]);
      chunk = chunk.subarray(need);
      if (this.#header.length < 8) return;
      if (!this.#header.equals(PROTOCOL_HEADER)) {
        this.pipe.send(PROTOCOL_HEADER);
        this.pipe.hangUp();
        return;
      }
      this.#phase = 'start-ok';
      this.sendMethod(0, 'connection.start', {
        versionMajor: 0,
        versionMinor: 9,
        serverProperties: {
          product: PRODUCT,
          version: '0',
          platform: `Node.js ${process.version}`,
          capabilities: {
            publisher_confirms: true,
            exchange_exchange_bindings: true,
            'basic.nack': true,
            consumer_cancel_notify: true,
            'connection.blocked': true,
            authentication_failure_close: true,
            per_consumer_qos: true,
            direct_reply_to: true,
          },
        },
        mechanisms: 'PLAIN',
        locales: 'en_US',
      });
    }
    if (chunk.length > 0) this.#parser.push(chunk);
  }

  sendMethod<N extends MethodName>(channel: number, name: N, args: Parameters<typeof encodeMethodFrame<N>>[2]): void {
    this.pipe.send(encodeMethodFrame(channel, name, args));
  }

  sendContent<N extends MethodName>(channel: number, name: N, args: Parameters<typeof encodeMethodFrame<N>>[2], properties: BasicProperties, body: Buffer): void {
    this.pipe.send(encodeContentFrames(channel, name, args, properties, body, this.frameMax));
  }

  /** Closes the connection from the broker's side (connection.close, then close-ok expected). */
  closeConnection(code: number, text: string, classId = 0, methodId = 0): void {
    if (this.#phase === 'closing' || this.#phase === 'closed') return;
    this.#teardown();
    this.#phase = 'closing';
    this.sendMethod(0, 'connection.close', { replyCode: code, replyText: text.slice(0, 255), classId, methodId });
  }

  /** Loses the connection without a handshake (failure injection). */
  drop(): void {
    this.pipe.drop();
  }

  clientGone(): void {
    if (this.#phase === 'closed') return;
    this.#teardown();
    this.#phase = 'closed';
  }

  /** Reports a refusal the way RabbitMQ would: a channel error closes the channel, others the connection. */
  fail(channel: number, error: unknown, method: AnyMethod | undefined): void {
    const classId = method === undefined ? 0 : method.id >>> 16;
    const methodId = method === undefined ? 0 : method.id & 0xffff;
    if (error instanceof NotModelledError) {
      this.broker.notModelled(error);
      this.closeConnection(Code.NOT_IMPLEMENTED, `NOT_IMPLEMENTED - ${error.message}`, classId, methodId);
      return;
    }
    if (!(error instanceof AmqpRefusal)) {
      const text = error instanceof Error ? error.message : String(error);
      this.closeConnection(541, `INTERNAL_ERROR - ${text}`, classId, methodId);
      return;
    }
    const ch = this.channels.get(channel);
    if (!error.hard && ch !== undefined) ch.closeWith(error.replyCode, error.replyText, classId, methodId);
    else this.closeConnection(error.replyCode, error.replyText, classId, methodId);
  }

  #onMethod(channel: number, method: AnyMethod, properties: BasicProperties | undefined, body: Buffer | undefined): void {
    if (this.#phase === 'closed') return;
    try {
      if (channel === 0) this.#onConnectionMethod(method);
      else if (this.#phase === 'open-done') this.#onChannelMethod(channel, method, properties, body);
      else if (this.#phase !== 'closing') throw refuse(Code.CHANNEL_ERROR, `expected connection.open`);
    } catch (error) {
      this.fail(channel, error, method);
    }
  }

  #onConnectionMethod(method: AnyMethod): void {
    switch (method.name) {
      case 'connection.start-ok':
        return this.#login(method.args.mechanism, method.args.response, method.args.clientProperties);
      case 'connection.tune-ok':
        if (method.args.frameMax > 0) this.frameMax = method.args.frameMax;
        this.#phase = 'open';
        return;
      case 'connection.open':
        return this.#open(method.args.virtualHost);
      case 'connection.close':
        this.#teardown();
        this.sendMethod(0, 'connection.close-ok', {});
        this.#phase = 'closed';
        this.pipe.hangUp();
        return;
      case 'connection.close-ok':
        this.#phase = 'closed';
        this.pipe.hangUp();
        return;
      default:
        if (this.#phase === 'closing') return;
        throw new NotModelledError(`method ${method.name}`);
    }
  }

  #login(mechanism: string, response: string | Buffer, clientProperties: FieldTable): void {
    this.clientProperties = clientProperties;
    if (mechanism !== 'PLAIN') throw new NotModelledError(`authentication mechanism ${mechanism}`);
    const [, user = '', password = ''] = Buffer.from(response).toString('utf8').split('\0');
    if (this.broker.password(user) !== password) {
      this.closeConnection(Code.ACCESS_REFUSED, 'ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN. For details see the broker logfile.');
      return;
    }
    this.user = user;
    this.#phase = 'tune-ok';
    this.sendMethod(0, 'connection.tune', { ...this.broker.tuning });
  }

  #open(name: string): void {
    const vhost = this.broker.vhost(name);
    if (vhost === undefined) {
      this.closeConnection(Code.NOT_ALLOWED, `NOT_ALLOWED - vhost ${name} not found`);
      return;
    }
    this.vhost = vhost;
    this.#phase = 'open-done';
    this.sendMethod(0, 'connection.open-ok', {});
  }

  #onChannelMethod(channel: number, method: AnyMethod, properties: BasicProperties | undefined, body: Buffer | undefined): void {
    let ch = this.channels.get(channel);
    if (method.name === 'channel.open') {
      if (ch !== undefined) throw new AmqpRefusal(Code.CHANNEL_ERROR, `CHANNEL_ERROR - second 'channel.open' seen`, true);
      if (channel > this.broker.tuning.channelMax) throw new AmqpRefusal(Code.CHANNEL_ERROR, `CHANNEL_ERROR - channel ${channel} over channel_max`, true);
      ch = new ServerChannel(this, channel, this.vhost!);
      this.channels.set(channel, ch);
      this.sendMethod(channel, 'channel.open-ok', {});
      return;
    }
    if (ch === undefined) throw new AmqpRefusal(Code.CHANNEL_ERROR, `CHANNEL_ERROR - expected 'channel.open'`, true);
    ch.handle(method, properties, body);
  }

  #teardown(): void {
    for (const ch of this.channels.values()) ch.teardown();
    this.channels.clear();
    this.vhost?.ownerGone(this);
    this.broker.connectionClosed(this);
  }
}
