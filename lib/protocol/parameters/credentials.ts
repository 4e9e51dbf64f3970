/**
 * SASL credentials, chosen against the mechanisms the broker offers in connection.start.
 * The password lives only in a `#private` field: it never reaches toString(), util.inspect(),
 * JSON.stringify() or an error message.
 */
import { inspect } from 'node:util';
import { InvalidStateError, ParameterError } from '../errors.js';

/** Either kind of credentials a connection accepts. */
export type Credentials = PlainCredentials | ExternalCredentials;

function offers(offered: readonly string[] | string, mechanism: string): boolean {
  // connection.start carries the list as one space-separated long string; accept it raw or split.
  const list = typeof offered === 'string' ? offered.split(/\s+/) : offered;
  return list.includes(mechanism);
}

/** Username and password for SASL PLAIN (RabbitMQ's default mechanism). */
export class PlainCredentials {
  /** The SASL mechanism these credentials answer. */
  readonly mechanism = 'PLAIN' as const;
  /** The login name (kept after {@link eraseCredentials} so errors can name the user). */
  readonly username: string;
  /** When true, {@link eraseCredentials} forgets the password once the connection is open. */
  readonly eraseOnConnect: boolean;
  #password: string | undefined;

  /**
   * @param username login name; must not contain a NUL character (SASL PLAIN separator)
   * @param password password; must not contain a NUL character
   * @param options.eraseOnConnect forget the password after the connection opens (no re-login possible)
   */
  constructor(username: string, password: string, options: { eraseOnConnect?: boolean } = {}) {
    if (typeof username !== 'string')
      throw new ParameterError('username', `must be a string, got ${typeof username}`);
    if (typeof password !== 'string')
      throw new ParameterError('password', `must be a string, got ${typeof password}`);
    if (username.includes('\0')) throw new ParameterError('username', 'must not contain a NUL character');
    if (password.includes('\0')) throw new ParameterError('password', 'must not contain a NUL character');
    const erase = options.eraseOnConnect ?? false;
    if (typeof erase !== 'boolean')
      throw new ParameterError('eraseOnConnect', `must be a boolean, got ${typeof erase}`);
    this.username = username;
    this.#password = password;
    this.eraseOnConnect = erase;
  }

  /** True once the password has been erased. */
  get erased(): boolean {
    return this.#password === undefined;
  }

  /**
   * The SASL PLAIN response `\0username\0password` when the broker offers PLAIN, else null.
   * @throws InvalidStateError when the password was erased (eraseOnConnect) and a login is attempted again.
   */
  responseFor(offeredMechanisms: readonly string[] | string): Buffer | null {
    if (!offers(offeredMechanisms, this.mechanism)) return null;
    if (this.#password === undefined) {
      throw new InvalidStateError(
        `the password of user "${this.username}" was erased after connecting (eraseOnConnect); cannot log in again`,
        'ERASED',
      );
    }
    return Buffer.from(`\0${this.username}\0${this.#password}`, 'utf8');
  }

  /** Forgets the password when `eraseOnConnect` was asked for; otherwise does nothing (as pika). */
  eraseCredentials(): void {
    if (this.eraseOnConnect) this.#password = undefined;
  }

  /** Same user and password (used to tell whether two parameter sets log in alike). */
  equals(other: unknown): boolean {
    return (
      other instanceof PlainCredentials &&
      other.username === this.username &&
      other.#password === this.#password
    );
  }

  toString(): string {
    return `PlainCredentials(username="${this.username}")`;
  }

  toJSON(): { mechanism: 'PLAIN'; username: string } {
    return { mechanism: this.mechanism, username: this.username };
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** SASL EXTERNAL: the broker takes the identity from the TLS client certificate; the response is empty. */
export class ExternalCredentials {
  /** The SASL mechanism these credentials answer. */
  readonly mechanism = 'EXTERNAL' as const;

  /** An empty response when the broker offers EXTERNAL, else null. */
  responseFor(offeredMechanisms: readonly string[] | string): Buffer | null {
    return offers(offeredMechanisms, this.mechanism) ? Buffer.alloc(0) : null;
  }

  /** Nothing to erase: there is no secret here. */
  eraseCredentials(): void {}

  equals(other: unknown): boolean {
    return other instanceof ExternalCredentials;
  }

  toString(): string {
    return 'ExternalCredentials()';
  }

  toJSON(): { mechanism: 'EXTERNAL' } {
    return { mechanism: this.mechanism };
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
