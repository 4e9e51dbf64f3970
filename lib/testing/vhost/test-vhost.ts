/**
 * A vhost of a test's own on the real broker at AMQP_URL: created with a unique name, the URL's user
 * granted every permission on it, deleted with everything in it afterwards. Jest workers (and
 * Vitest threads) running in parallel then never meet each other's queues, and nothing leaks.
 *
 * Nothing here imports a test runner: pass your runner's `beforeAll` / `afterAll` to
 * {@link useTestVhost}, or call {@link createTestVhost} and `dispose()` yourself.
 */
import { randomBytes } from 'node:crypto';
import { VhostHelperError } from '../errors.js';
import { managementAdmin, rabbitmqctlAdmin, type VhostAdmin } from './vhost-admin.js';

/** How to reach the broker and its administration. */
export interface TestVhostOptions {
  /** The broker (user and password in it). @default process.env.AMQP_URL ?? 'amqp://guest:guest@localhost:5672' */
  url?: string;
  /**
   * 'rabbitmqctl' runs the command on this machine (or `rabbitmqctl: ['docker', 'exec', 'rabbit',
   * 'rabbitmqctl']`); 'management' calls the HTTP API at `managementUrl`. Default: 'management' when a
   * management URL is given (option or RABBITMQ_MANAGEMENT_URL), else 'rabbitmqctl'.
   */
  via?: 'rabbitmqctl' | 'management';
  /** e.g. 'http://guest:guest@localhost:15672' (user and password default to the AMQP URL's). */
  managementUrl?: string;
  /** The command that runs rabbitmqctl. @default ['rabbitmqctl'] */
  rabbitmqctl?: readonly string[];
  /** Start of the vhost's name (then the process id and a random part). @default 'test' */
  prefix?: string;
}

/** A vhost of the test's own. */
export interface TestVhost {
  readonly name: string;
  /** The AMQP URL with this vhost. */
  readonly url: string;
  /** How it was created (rabbitmqctl or the management API). */
  readonly via: string;
  /** Deletes the vhost and everything in it (queues, exchanges, connections). Idempotent. */
  dispose(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

function adminFor(options: TestVhostOptions, user: string, password: string): VhostAdmin {
  const managementUrl = options.managementUrl ?? process.env['RABBITMQ_MANAGEMENT_URL'];
  const via = options.via ?? (managementUrl === undefined ? 'rabbitmqctl' : 'management');
  if (via === 'rabbitmqctl') return rabbitmqctlAdmin(options.rabbitmqctl);
  if (managementUrl === undefined) throw new VhostHelperError("via 'management' needs managementUrl (or RABBITMQ_MANAGEMENT_URL)");
  return managementAdmin(managementUrl, { user, password });
}

/** Creates a vhost of the test's own; `dispose()` deletes it. */
export async function createTestVhost(options: TestVhostOptions = {}): Promise<TestVhost> {
  const base = new URL(options.url ?? process.env['AMQP_URL'] ?? 'amqp://guest:guest@localhost:5672');
  const user = decodeURIComponent(base.username || 'guest');
  const password = decodeURIComponent(base.password || 'guest');
  const admin = adminFor(options, user, password);
  const name = `${options.prefix ?? 'test'}-${process.pid}-${randomBytes(5).toString('hex')}`;
  await admin.create(name, user);
  const url = new URL(base.href);
  url.pathname = `/${encodeURIComponent(name)}`;
  let disposed: Promise<void> | undefined;
  const dispose = (): Promise<void> => (disposed ??= admin.delete(name));
  return { name, url: url.href, via: admin.via, dispose, [Symbol.asyncDispose]: dispose };
}

/** A vhost handle filled in by `beforeAll`. */
export interface TestVhostHandle {
  /** The vhost's AMQP URL (throws before `beforeAll` ran). */
  readonly url: string;
  readonly name: string;
}

type Hook = (fn: () => Promise<void>, timeout?: number) => void;

/**
 * Registers a vhost for the enclosing test file (or describe block) with your runner's hooks:
 * `const vhost = useTestVhost({ beforeAll, afterAll })` in Jest (CommonJS or ESM) or Vitest.
 */
export function useTestVhost(hooks: { beforeAll: Hook; afterAll: Hook }, options: TestVhostOptions = {}): TestVhostHandle {
  let current: TestVhost | undefined;
  // rabbitmqctl starts an Erlang VM per call: seconds each on a loaded machine.
  hooks.beforeAll(async () => {
    current = await createTestVhost(options);
  }, 120_000);
  hooks.afterAll(async () => {
    await current?.dispose();
  }, 120_000);
  const get = (): TestVhost => {
    if (current === undefined) throw new VhostHelperError('the test vhost is not created yet (read it inside a test or a later hook)');
    return current;
  };
  return {
    get url() {
      return get().url;
    },
    get name() {
      return get().name;
    },
  };
}
