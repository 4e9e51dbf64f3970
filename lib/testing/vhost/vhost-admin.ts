/**
 * The two ways to create and delete a vhost on a real RabbitMQ: `rabbitmqctl` (on the broker's
 * machine, or through a command prefix such as `docker exec <container>`), and the management
 * plugin's HTTP API (when the plugin is on). Both run add vhost, grant the user every permission on
 * it, and delete it (which deletes every queue and exchange in it and closes its connections).
 */
import { execFile } from 'node:child_process';
import { VhostHelperError } from '../errors.js';

/** Creates and deletes vhosts. */
export interface VhostAdmin {
  readonly via: string;
  create(vhost: string, user: string): Promise<void>;
  delete(vhost: string): Promise<void>;
}

/** `rabbitmqctl` (or `command`, e.g. ['docker', 'exec', 'rabbitmq', 'rabbitmqctl']). */
export function rabbitmqctlAdmin(command: readonly string[] = ['rabbitmqctl'], timeoutMs = 30_000): VhostAdmin {
  const run = (args: string[]): Promise<void> =>
    new Promise((resolve, reject) => {
      const [file, ...prefix] = command;
      execFile(file!, [...prefix, ...args], { timeout: timeoutMs, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
        if (error === null) return resolve();
        const why = (error as { code?: unknown }).code === 'ENOENT' ? `${file} not found (set { via: 'management', managementUrl } to use the HTTP API)` : `${stderr}${stdout}`.trim() || error.message;
        reject(new VhostHelperError(`${command.join(' ')} ${args[0]} failed: ${why}`, { cause: error }));
      });
    });
  return {
    via: command.join(' '),
    create: async (vhost, user) => {
      await run(['add_vhost', vhost]);
      await run(['set_permissions', '-p', vhost, user, '.*', '.*', '.*']);
    },
    delete: (vhost) => run(['delete_vhost', vhost]),
  };
}

/** The management plugin's HTTP API at `managementUrl` (user and password in it, or those given). */
export function managementAdmin(managementUrl: string, credentials: { user: string; password: string }): VhostAdmin {
  const base = new URL(managementUrl);
  const user = base.username === '' ? credentials.user : decodeURIComponent(base.username);
  const password = base.username === '' ? credentials.password : decodeURIComponent(base.password);
  base.username = '';
  base.password = '';
  const authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const call = async (method: string, path: string, body?: unknown): Promise<void> => {
    const url = new URL(`api/${path}`, base.href.endsWith('/') ? base.href : `${base.href}/`);
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: { authorization, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new VhostHelperError(`management API at ${url.origin} unreachable (is rabbitmq_management on?)`, { cause: error });
    }
    if (!response.ok && !(method === 'DELETE' && response.status === 404)) {
      throw new VhostHelperError(`management API ${method} ${url.pathname} answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
    }
  };
  return {
    via: `management API at ${base.origin}`,
    create: async (vhost, u) => {
      await call('PUT', `vhosts/${encodeURIComponent(vhost)}`, {});
      await call('PUT', `permissions/${encodeURIComponent(vhost)}/${encodeURIComponent(u)}`, { configure: '.*', write: '.*', read: '.*' });
    },
    delete: (vhost) => call('DELETE', `vhosts/${encodeURIComponent(vhost)}`),
  };
}
