/**
 * Drives a ConnectionMachine with scripted broker bytes (built with the codec's own encoder), a
 * hand-advanced clock, and hooks that record everything the machine does. Outbound bytes are decoded
 * with the codec's parser so tests assert on methods and their arguments, not on byte offsets.
 */
import {
  encodeContentFrames,
  encodeMethodFrame,
  FrameParser,
  HEARTBEAT_FRAME,
  PROTOCOL_HEADER,
  type AnyMethod,
  type BasicProperties,
  type MethodArgs,
  type MethodName,
} from '../../../lib/protocol/codec/index.js';
import type { AMQPError, BodyTooLargeError, FrameError } from '../../../lib/protocol/errors.js';
import { ConnectionMachine, type ConnectionMachineHooks } from '../../../lib/protocol/connection/connection-machine.js';
import { ConnectionParameters, type ConnectionParametersOptions } from '../../../lib/protocol/parameters/index.js';

export interface SentFrame {
  channel: number;
  method?: AnyMethod;
  heartbeat?: true;
}

/** The connection.start a RabbitMQ broker sends, offering AMQPLAIN and PLAIN. */
export const START = {
  versionMajor: 0,
  versionMinor: 9,
  serverProperties: { product: 'RabbitMQ', version: '3.10.0' },
  mechanisms: 'AMQPLAIN PLAIN',
  locales: 'en_US',
};

export class MachineHarness {
  now = 1_000_000;
  readonly written: Buffer[] = [];
  readonly events: string[] = [];
  closedWith: { error: AMQPError | undefined; graceful: boolean } | undefined;
  readonly channelMethods: { channel: number; method: AnyMethod }[] = [];
  readonly channelContents: { channel: number; method: AnyMethod; properties: BasicProperties; body: Buffer }[] = [];
  readonly channelOversize: { channel: number; method: AnyMethod; error: BodyTooLargeError }[] = [];
  /** Channel numbers the hooks claim to know. */
  readonly knownChannels = new Set<number>([1]);
  deadlineChanges = 0;
  readonly machine: ConnectionMachine;
  readonly parameters: ConnectionParameters;

  constructor(options: ConnectionParametersOptions = {}) {
    this.parameters = new ConnectionParameters(options);
    const hooks: ConnectionMachineHooks = {
      write: (bytes) => {
        this.written.push(Buffer.from(bytes));
        return true;
      },
      opened: () => this.events.push('opened'),
      closed: (error, graceful) => {
        this.events.push('closed');
        this.closedWith = { error, graceful };
      },
      blocked: (reason) => this.events.push(`blocked:${reason}`),
      unblocked: () => this.events.push('unblocked'),
      secretUpdated: () => this.events.push('secret-updated'),
      hasChannel: (channel) => this.knownChannels.has(channel),
      channelMethod: (channel, method) => {
        if (!this.knownChannels.has(channel)) return false;
        this.channelMethods.push({ channel, method });
        return true;
      },
      channelContent: (channel, method, properties, body) => {
        if (!this.knownChannels.has(channel)) return false;
        this.channelContents.push({ channel, method, properties, body });
        return true;
      },
      channelOversizeContent: (channel, method, _properties, error) => {
        if (!this.knownChannels.has(channel)) return false;
        this.channelOversize.push({ channel, method, error });
        return true;
      },
      deadlinesChanged: () => {
        this.deadlineChanges += 1;
      },
    };
    this.machine = new ConnectionMachine(this.parameters, hooks, () => this.now, { owner: true });
  }

  /** Feeds one broker method frame. */
  broker<N extends MethodName>(name: N, args: Partial<MethodArgs[N]>, channel = 0): void {
    this.machine.receive(encodeMethodFrame(channel, name, args));
  }

  brokerBytes(bytes: Buffer): void {
    this.machine.receive(bytes);
  }

  brokerContent<N extends MethodName>(channel: number, name: N, args: Partial<MethodArgs[N]>, body: Buffer): void {
    this.machine.receive(encodeContentFrames(channel, name, args, {}, body, 131072));
  }

  /** Everything written so far, decoded (the protocol header reported as 'protocol-header'). */
  sent(): SentFrame[] {
    const frames: SentFrame[] = [];
    let bytes = Buffer.concat(this.written);
    if (bytes.subarray(0, 8).equals(PROTOCOL_HEADER)) {
      frames.push({ channel: -1 });
      bytes = bytes.subarray(8);
    }
    let failure: FrameError | undefined;
    const parser = new FrameParser(
      {
        onMethod: (channel, method) => frames.push({ channel, method }),
        onContent: (channel, method) => frames.push({ channel, method }),
        onHeartbeat: () => frames.push({ channel: 0, heartbeat: true }),
        onFrameError: (error) => {
          failure = error;
        },
      },
      { frameMax: 0 },
    );
    parser.push(bytes);
    if (failure !== undefined) throw failure;
    return frames;
  }

  /** Names of the methods written so far ('protocol-header' and 'heartbeat' included). */
  sentNames(): string[] {
    return this.sent().map((f) => (f.channel === -1 ? 'protocol-header' : f.heartbeat ? 'heartbeat' : f.method!.name));
  }

  /** The last written method with the given name, or throws. */
  lastSent<N extends MethodName>(name: N): MethodArgs[N] {
    const found = this.sent().filter((f) => f.method?.name === name).pop();
    if (found?.method === undefined) throw new Error(`no ${name} was sent; sent: ${this.sentNames().join(', ')}`);
    return found.method.args as MethodArgs[N];
  }

  clearWritten(): void {
    this.written.length = 0;
  }

  /** Moves the clock forward, running the machine's timer at every deadline on the way (as the IO does). */
  advance(ms: number): void {
    const end = this.now + ms;
    for (let guard = 0; guard < 100_000; guard += 1) {
      const due = this.machine.nextDeadline();
      if (due === undefined || due > end) break;
      this.now = Math.max(this.now, due);
      this.machine.onTimer();
    }
    this.now = end;
  }

  /** The standard bring-up up to OPEN, with broker values given. */
  open(tune: { channelMax?: number; frameMax?: number; heartbeat?: number } = {}): void {
    this.machine.connected();
    this.broker('connection.start', {
      versionMajor: 0,
      versionMinor: 9,
      serverProperties: { product: 'RabbitMQ' },
      mechanisms: 'AMQPLAIN PLAIN',
      locales: 'en_US',
    });
    this.broker('connection.tune', { channelMax: 2047, frameMax: 131072, heartbeat: 0, ...tune });
    this.broker('connection.open-ok', {});
  }
}

export { HEARTBEAT_FRAME };
