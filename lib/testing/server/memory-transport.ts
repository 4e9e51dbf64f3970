/**
 * The in-process byte pipe between a client Connection and the in-memory broker. It has the shape
 * of the engine's socket transport (write, bufferedBytes, end, destroy; onConnect, onData, onDrain,
 * onClose), so the engine runs unchanged on it. Bytes written in one step arrive together in the
 * next microtask, like a socket's read of what one tick wrote; a promise job (not a timer) carries
 * them, so fake timers (Jest, Vitest) never stall the connection.
 */
import { ConnectionLostError } from '../../protocol/index.js';

/** The engine's transport handlers (structurally the same as lib/protocol/io's). */
export interface ClientHandlers {
  onConnect(): void;
  onData(chunk: Buffer): void;
  onDrain(): void;
  onClose(error: Error | undefined): void;
}

/** The broker's end of the pipe. */
export interface ServerEnd {
  /** Bytes from the client. */
  receive(chunk: Buffer): void;
  /** The client went away (ended or destroyed its side). */
  clientGone(): void;
}

/** Collects the writes of one step and hands them over in one chunk. */
class Outbox {
  #chunks: Buffer[] = [];
  #bytes = 0;
  #scheduled = false;

  constructor(private readonly deliver: (chunk: Buffer) => void) {}

  get bytes(): number {
    return this.#bytes;
  }

  push(bytes: Buffer): void {
    this.#chunks.push(bytes);
    this.#bytes += bytes.length;
    if (this.#scheduled) return;
    this.#scheduled = true;
    void Promise.resolve().then(() => this.flush());
  }

  flush(): void {
    this.#scheduled = false;
    if (this.#chunks.length === 0) return;
    const chunk = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#bytes);
    this.#chunks = [];
    this.#bytes = 0;
    this.deliver(chunk);
  }

  drop(): void {
    this.#chunks = [];
    this.#bytes = 0;
  }
}

/** One connection's pipe: the client's Transport on one side, the broker's writer on the other. */
export class MemoryPipe {
  #server: ServerEnd | undefined;
  #open = true;
  readonly #toServer: Outbox;
  readonly #toClient: Outbox;

  constructor(private readonly client: ClientHandlers) {
    this.#toServer = new Outbox((chunk) => this.#open && this.#server?.receive(chunk));
    this.#toClient = new Outbox((chunk) => this.#open && this.#guard(() => this.client.onData(chunk)));
  }

  /** Connects the broker's end and tells the client it is connected (next microtask, as a socket would). */
  attach(server: ServerEnd): void {
    this.#server = server;
    void Promise.resolve().then(() => this.#open && this.#guard(() => this.client.onConnect()));
  }

  get isOpen(): boolean {
    return this.#open;
  }

  // --- the client's Transport ---

  readonly transport = {
    write: (bytes: Buffer): boolean => {
      if (!this.#open) return false;
      this.#toServer.push(Buffer.from(bytes));
      return true;
    },
    get bufferedBytes(): number {
      return 0;
    },
    end: (): void => {
      if (!this.#open) return;
      this.#toServer.flush();
      this.#shut(undefined);
    },
    destroy: (): void => {
      if (!this.#open) return;
      this.#toServer.drop();
      this.#shut(undefined);
    },
  };

  // --- the broker's side ---

  /** Sends bytes to the client. */
  send(bytes: Buffer): void {
    if (this.#open) this.#toClient.push(bytes);
  }

  /** The broker closes the socket after what it sent (after connection.close-ok, or a refused header). */
  hangUp(): void {
    if (!this.#open) return;
    this.#toClient.flush();
    this.#shut(new ConnectionLostError('the in-memory broker closed the socket'));
  }

  /** The connection is lost with nothing more delivered (failure injection). */
  drop(): void {
    if (!this.#open) return;
    this.#toClient.drop();
    this.#shut(new ConnectionLostError('connection to the in-memory broker lost (dropped by the test)'));
  }

  #shut(error: Error | undefined): void {
    this.#open = false;
    this.#server?.clientGone();
    // 'close' comes after the current step, as a socket's does.
    void Promise.resolve().then(() => this.#guard(() => this.client.onClose(error)));
  }

  #guard(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      // As the socket transport does: a handler that throws ends the connection with a typed loss.
      if (!this.#open) return;
      this.#open = false;
      this.#server?.clientGone();
      const message = error instanceof Error ? error.message : String(error);
      void Promise.resolve().then(() => this.client.onClose(new ConnectionLostError(`internal error in the data path: ${message}`, { cause: error })));
    }
  }
}
