/**
 * A scripted ChannelLink: records what the channel writes (decoded with the project's own frame
 * parser) and lets a test play the broker by calling handleMethod / handleContent.
 */
import {
  FrameParser,
  METHOD_ID_BY_NAME,
  type AnyMethod,
  type BasicProperties,
  type MethodArgs,
  type MethodName,
} from '../../../lib/protocol/codec/index.js';
import type { ChannelLink } from '../../../lib/protocol/channel/channel-link.js';
import { EventEmitter } from 'node:events';
import { reportUserError } from '../../../lib/protocol/connection/report-error.js';
import { Channel } from '../../../lib/protocol/channel/channel.js';
import { deferred, type Deferred } from '../../../lib/protocol/continuation.js';

export interface Written {
  channel: number;
  method: AnyMethod;
  properties?: BasicProperties;
  body?: Buffer;
}

export class FakeLink implements ChannelLink {
  frameMax = 131072;
  /** What write() returns: false simulates an outbound buffer over its high-water mark. */
  writeResult = true;
  readonly released: number[] = [];
  /** Where reportError sends what it is given, as the Connection does with itself. */
  connection: EventEmitter = new EventEmitter();
  private drain: Deferred<void> | undefined;
  private readonly out: Written[] = [];
  private readonly parser = new FrameParser({
    onMethod: (channel, method) => this.out.push({ channel, method }),
    onContent: (channel, method, properties, body) => this.out.push({ channel, method, properties, body }),
    onHeartbeat: () => undefined,
    onFrameError: (error) => {
      throw error;
    },
  });

  write(frames: Buffer): boolean {
    this.parser.push(frames);
    return this.writeResult;
  }

  drained(): Promise<void> {
    if (this.writeResult) return Promise.resolve();
    this.drain ??= deferred<void>();
    return this.drain.promise;
  }

  /** The outbound buffer fell below its mark: settle drained() waiters. */
  emitDrain(): void {
    this.writeResult = true;
    this.drain?.resolve();
    this.drain = undefined;
  }

  /** The connection died: drained() waiters reject. */
  failDrain(error: Error): void {
    this.drain?.reject(error);
    this.drain = undefined;
  }

  reportError(error: unknown, where: string): void {
    reportUserError(this.connection, error, where);
  }

  release(channelNumber: number): void {
    this.released.push(channelNumber);
  }

  /** Everything written since the last call, in order. */
  take(): Written[] {
    return this.out.splice(0);
  }

  /** Names of the methods written since the last call. */
  names(): string[] {
    return this.take().map((w) => w.method.name);
  }
}

/** A method as the parser would hand it to the channel (missing fields are the test's business). */
export function method<N extends MethodName>(name: N, args: Partial<MethodArgs[N]> = {}): AnyMethod {
  return { id: METHOD_ID_BY_NAME[name], name, args } as unknown as AnyMethod;
}

/** Lets promise callbacks run. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A channel brought to OPEN through the fake link (channel.open answered with open-ok). */
export async function openChannel(link: FakeLink, channelNumber = 1): Promise<Channel> {
  const channel = new Channel(link, channelNumber);
  const opened = channel.open();
  channel.handleMethod(method('channel.open-ok', { channelId: '' }));
  await opened;
  link.take();
  return channel;
}
