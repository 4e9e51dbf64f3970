/**
 * Many vhosts made, or deleted, with one rabbitmqctl call (an Erlang VM boot, about a second of CPU,
 * each): `rabbitmqctl eval` of rabbit_vhost:add/2, rabbit_auth_backend_internal:set_permissions/6 and
 * rabbit_vhost:delete/2, which RabbitMQ 3.8 to 4.x have. A broker where that fails gets the public
 * commands, one vhost at a time. `ctl(args)` runs rabbitmqctl and resolves with its stdout. Also the
 * names the pool (vhost-pool.ts) and the teardown (leftovers.mjs) share.
 */

/** The prefix of every e2e vhost of this run. */
export function runPrefix() {
  return `e2e-${process.env['E2E_VHOST_RUN'] ?? 'run'}-`;
}

/** The run's vhost pool: a directory beside its registry (jest.config.js sets E2E_VHOST_REGISTRY). */
export function poolDirOf(registry) {
  return `${registry}.pool`;
}

const binary = (name) => {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`not an e2e vhost name: ${name}`);
  return `<<"${name}">>`;
};

/** Makes `vhosts`, each with every permission for `user`. */
export async function addVhosts(vhosts, user, ctl) {
  const list = `[${vhosts.map(binary).join(', ')}]`;
  const grant = `rabbit_auth_backend_internal:set_permissions(${binary(user)}, V, <<".*">>, <<".*">>, <<".*">>, <<"e2e">>)`;
  const out = await ctl(['eval', `[begin ok = rabbit_vhost:add(V, <<"e2e">>), ok = ${grant} end || V <- ${list}], ok.`]).catch(() => '');
  if (out.trim() === 'ok') return;
  for (const vhost of vhosts) {
    await ctl(['add_vhost', vhost]).catch((error) => {
      if (!/already exists/.test(error.message)) throw error;
    });
    await ctl(['set_permissions', '-p', vhost, user, '.*', '.*', '.*']);
  }
}

/** Deletes `vhosts` with everything in them (their connections closed); one already gone is no error. */
export async function deleteVhosts(vhosts, ctl) {
  if (vhosts.length === 0) return;
  const list = `[${vhosts.map(binary).join(', ')}]`;
  const one = `case catch rabbit_vhost:delete(V, <<"e2e">>) of ok -> ok; {error, {no_such_vhost, _}} -> ok; {'EXIT', {{no_such_vhost, _}, _}} -> ok; Other -> exit({V, Other}) end`;
  const out = await ctl(['eval', `[${one} || V <- ${list}], ok.`]).catch(() => '');
  if (out.trim() === 'ok') return;
  for (const vhost of vhosts)
    await ctl(['delete_vhost', vhost]).catch((error) => {
      if (!/not found|no_such_vhost|does not exist/i.test(error.message)) throw error;
    });
}
