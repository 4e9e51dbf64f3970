#!/usr/bin/env node
// A RabbitMQ 4.0 node on this machine, beside the 3.10 broker on 5672 and never touching it: Debian 13
// (trixie)'s rabbitmq-server in a chroot built once with mmdebstrap into a cache directory outside the
// repo (reused while complete, rebuilt when absent), started on its own name and ports with a data
// directory of its own inside the chroot, which `stop` deletes. The chroot shares the host's network,
// so the host's epmd serves it and its AMQP port is reachable at 127.0.0.1.
//
//   node scripts/rabbitmq4-node.mjs build          build the chroot (no-op when complete)
//   node scripts/rabbitmq4-node.mjs start          build if needed, start, wait until AMQP answers
//   node scripts/rabbitmq4-node.mjs stop           stop, delete the data directory, unmount /proc
//   node scripts/rabbitmq4-node.mjs run -- CMD...  start, run CMD against it, stop (pass or fail, SIGINT)
//
// `run` gives CMD: AMQP_URL (guest on 127.0.0.1:PORT), RABBITMQ_NODENAME, and PATH with a directory in
// front whose `rabbitmqctl` / `rabbitmq-diagnostics` / `rabbitmq-plugins` / `rabbitmq-queues` run the
// chroot's own 4.0 CLI against this node (the host's 3.10 CLI does not speak to a 4.0 node reliably),
// so test helpers that shell out to `rabbitmqctl` reach the node AMQP_URL points at. A CLI call that
// names another node with -n goes to the host's CLI unchanged.
//
// Environment: RABBITMQ4_CHROOT (default /var/cache/nestjs-amqp-transport/rabbitmq4-trixie),
// RABBITMQ4_NODE (default rabbit4), RABBITMQ4_PORT (5790), RABBITMQ4_DIST_PORT (25790). Needs root
// (chroot, mount) and, to build, mmdebstrap and network access to a Debian mirror.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';

const CHROOT = process.env.RABBITMQ4_CHROOT ?? '/var/cache/nestjs-amqp-transport/rabbitmq4-trixie';
const SHORT = process.env.RABBITMQ4_NODE ?? 'rabbit4';
const PORT = Number(process.env.RABBITMQ4_PORT ?? 5790);
const DIST_PORT = Number(process.env.RABBITMQ4_DIST_PORT ?? 25790);
/** Written last by `build`: a chroot without it is a half-finished build and is rebuilt. */
const COMPLETE = join(CHROOT, '.nestjs-amqp-transport-complete');
/** Inside the chroot: conf, enabled_plugins, mnesia/, log/, pid file. Deleted by `stop`. */
const DATA_IN_CHROOT = `/var/lib/rabbitmq/nestjs-${SHORT}`;

/** What a caller needs to reach the node. */
export const node = {
  name: `${SHORT}@localhost`,
  port: PORT,
  distPort: DIST_PORT,
  url: `amqp://guest:guest@127.0.0.1:${PORT}`,
  chroot: CHROOT,
  dataDir: join(CHROOT, DATA_IN_CHROOT),
  logFile: join(CHROOT, DATA_IN_CHROOT, 'log', `${SHORT}@localhost.log`),
};

const log = (line) => console.log(`rabbitmq4: ${line}`);

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Builds the chroot into CHROOT unless a complete one is there; returns the seconds it took (0 when reused). */
export function build() {
  const server = join(CHROOT, 'usr/lib/rabbitmq/bin/rabbitmq-server');
  if (existsSync(COMPLETE) && existsSync(server)) {
    log(`chroot ${CHROOT} reused (${readFileSync(COMPLETE, 'utf8').trim()})`);
    return 0;
  }
  if (process.getuid?.() !== 0)
    throw new Error('building the RabbitMQ 4 chroot needs root (mmdebstrap, chroot)');
  if (!has('mmdebstrap')) {
    if (!has('apt-get')) throw new Error('mmdebstrap is not installed and there is no apt-get to install it');
    log('installing mmdebstrap with apt-get ...');
    execFileSync(
      'sh',
      ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap'],
      {
        stdio: 'inherit',
      },
    );
  }
  const started = Date.now();
  const partial = `${CHROOT}.partial`;
  unmountProc(partial);
  unmountProc(CHROOT);
  rmSync(partial, { recursive: true, force: true });
  rmSync(CHROOT, { recursive: true, force: true });
  mkdirSync(join(CHROOT, '..'), { recursive: true });
  log(`building ${CHROOT} with mmdebstrap (Debian trixie, rabbitmq-server) ...`);
  execFileSync('mmdebstrap', ['--variant=apt', '--include=rabbitmq-server', 'trixie', partial], {
    stdio: 'inherit',
  });
  execFileSync('mv', [partial, CHROOT]);
  const seconds = Math.round((Date.now() - started) / 1000);
  writeFileSync(COMPLETE, `built ${new Date().toISOString()} in ${seconds} s, ${version()}\n`);
  log(`chroot built in ${seconds} s`);
  return seconds;
}

/** The packaged server version, from the plugin directory's name (rabbitmq_server-4.0.5). */
export function version() {
  const lib = join(CHROOT, 'usr/lib/rabbitmq/lib');
  const dir = existsSync(lib)
    ? readdirSync(lib).find((name) => name.startsWith('rabbitmq_server-'))
    : undefined;
  return dir?.replace(/^rabbitmq_server-/, 'RabbitMQ ') ?? 'RabbitMQ (unknown version)';
}

function procMounted(root) {
  const mounts = readFileSync('/proc/self/mounts', 'utf8');
  return mounts.split('\n').some((line) => line.split(' ')[1] === join(root, 'proc'));
}

function mountProc() {
  if (!procMounted(CHROOT)) execFileSync('mount', ['-t', 'proc', 'proc', join(CHROOT, 'proc')]);
}

function unmountProc(root) {
  if (existsSync(join(root, 'proc')) && procMounted(root)) spawnSync('umount', ['-l', join(root, 'proc')]);
}

/** The chroot's rabbitmq user and group ids (they differ from the host's). */
function rabbitmqIds() {
  const line = readFileSync(join(CHROOT, 'etc/passwd'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith('rabbitmq:'));
  if (line === undefined)
    throw new Error(`no rabbitmq user in ${CHROOT}/etc/passwd: delete ${CHROOT} to rebuild it`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** The environment the chroot's server and CLI scripts read (the host's RABBITMQ_* are dropped). */
function nodeEnv() {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RABBITMQ')));
  return {
    ...env,
    PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: '/var/lib/rabbitmq',
    LANG: 'C.UTF-8',
    RABBITMQ_NODENAME: node.name,
    RABBITMQ_NODE_PORT: String(PORT),
    RABBITMQ_DIST_PORT: String(DIST_PORT),
    RABBITMQ_MNESIA_BASE: `${DATA_IN_CHROOT}/mnesia`,
    RABBITMQ_LOG_BASE: `${DATA_IN_CHROOT}/log`,
    RABBITMQ_CONFIG_FILE: `${DATA_IN_CHROOT}/rabbitmq.conf`,
    RABBITMQ_ENABLED_PLUGINS_FILE: `${DATA_IN_CHROOT}/enabled_plugins`,
    RABBITMQ_PID_FILE: `${DATA_IN_CHROOT}/${SHORT}.pid`,
  };
}

/** Runs the chroot's CLI tool (rabbitmqctl by default) against the node; returns { status, stdout, stderr }. */
export function ctl(args, { tool = 'rabbitmqctl', timeoutMs = 60_000 } = {}) {
  const result = spawnSync('chroot', [CHROOT, `/usr/sbin/${tool}`, '-n', node.name, ...args], {
    env: nodeEnv(),
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

/** Resolves true when 127.0.0.1:PORT answers an AMQP 0-9-1 protocol header with connection.start. */
function probe() {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port: PORT });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write(Buffer.from([65, 77, 81, 80, 0, 0, 9, 1])));
    socket.once('data', (chunk) => done(chunk[0] === 1));
  });
}

function portFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The Erlang VM's pid from the node's pid file, if there is one. */
function pidFromFile() {
  const file = join(node.dataDir, `${SHORT}.pid`);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Stops the node (rabbitmqctl stop, then SIGKILL of the pid file's VM if it is still there), deletes
 * its data directory and unmounts the chroot's /proc. Safe to call when nothing runs.
 * @returns what went wrong, if anything
 */
export async function stop() {
  const problems = [];
  if (existsSync(join(CHROOT, 'usr/sbin/rabbitmqctl'))) {
    mountProc();
    const pid = pidFromFile();
    if (ctl(['ping'], { timeoutMs: 20_000 }).status === 0) {
      const stopped = ctl(['stop'], { timeoutMs: 60_000 });
      if (stopped.status !== 0)
        problems.push(`rabbitmqctl stop: ${(stopped.stderr || stopped.stdout).trim().split('\n')[0]}`);
    }
    if (pid !== undefined) {
      for (let i = 0; i < 40 && alive(pid); i += 1) await sleep(250);
      if (alive(pid)) {
        process.kill(pid, 'SIGKILL');
        problems.push(`${node.name} (pid ${pid}) did not stop; killed`);
      }
    }
  }
  rmSync(node.dataDir, { recursive: true, force: true });
  // Another node of this chroot (other RABBITMQ4_NODE) still running keeps /proc.
  const others = readdirSync(join(CHROOT, 'var/lib/rabbitmq')).filter((name) => name.startsWith('nestjs-'));
  if (others.length === 0) unmountProc(CHROOT);
  return problems;
}

/** Builds the chroot if needed, stops a leftover node of the same name, starts a fresh one and waits for AMQP. */
export async function start() {
  build();
  const leftovers = await stop();
  if (leftovers.length > 0) log(`leftover of an earlier run: ${leftovers.join('; ')}`);
  for (const port of [PORT, DIST_PORT])
    if (!(await portFree(port)))
      throw new Error(`port ${port} is taken: set RABBITMQ4_PORT / RABBITMQ4_DIST_PORT`);
  const started = Date.now();
  mountProc();
  const { uid, gid } = rabbitmqIds();
  for (const sub of ['mnesia', 'log']) mkdirSync(join(node.dataDir, sub), { recursive: true });
  // RABBITMQ4_DENY_DEPRECATED=1 turns the deprecated features 4.0 still permits into errors (as a later
  // 4.x will), to find what declares them: a transient non-exclusive queue, a global basic.qos.
  const deny =
    process.env.RABBITMQ4_DENY_DEPRECATED === '1'
      ? [
          'deprecated_features.permit.transient_nonexcl_queues = false',
          'deprecated_features.permit.global_qos = false',
        ]
      : [];
  writeFileSync(
    join(node.dataDir, 'rabbitmq.conf'),
    [
      `listeners.tcp.default = 127.0.0.1:${PORT}`,
      'log.file.level = info',
      'log.console = false',
      ...deny,
      '',
    ].join('\n'),
  );
  writeFileSync(join(node.dataDir, 'enabled_plugins'), '[].\n');
  execFileSync('chown', ['-R', `${uid}:${gid}`, node.dataDir]);
  // Detached from us (own process group); the pid file names the VM for `stop` and for a later run
  // that finds it left behind.
  const child = spawn('chroot', [CHROOT, '/usr/sbin/rabbitmq-server'], {
    env: nodeEnv(),
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  const deadline = Date.now() + 120_000;
  while (!(await probe())) {
    if (Date.now() > deadline) {
      const tail = existsSync(node.logFile)
        ? readFileSync(node.logFile, 'utf8').split('\n').slice(-20).join('\n')
        : '(no log)';
      await stop();
      throw new Error(`${node.name} did not answer AMQP on ${PORT} within 120 s; its log ends:\n${tail}`);
    }
    await sleep(250);
  }
  const awaited = ctl(['await_startup', '--timeout', '60'], { timeoutMs: 90_000 });
  if (awaited.status !== 0) throw new Error(`await_startup: ${awaited.stderr.trim()}`);
  log(`${version()} ${node.name} answers on 127.0.0.1:${PORT} (${Date.now() - started} ms)`);
  return node;
}

/**
 * A directory of CLI shims for PATH: each runs the chroot's tool against this node, unless the call
 * names another node with -n (then the host's tool runs it).
 */
function shimDir() {
  const dir = mkdtempSync(join(tmpdir(), 'rabbitmq4-cli-'));
  const env = Object.entries(nodeEnv())
    .filter(([k]) => k.startsWith('RABBITMQ') || k === 'HOME' || k === 'LANG')
    .map(([k, v]) => `${k}='${v}'`)
    .join(' ');
  for (const tool of ['rabbitmqctl', 'rabbitmq-diagnostics', 'rabbitmq-plugins', 'rabbitmq-queues']) {
    const file = join(dir, tool);
    writeFileSync(
      file,
      `#!/bin/sh
# ${tool} against ${node.name} in ${CHROOT} (written by scripts/rabbitmq4-node.mjs)
prev=
for a in "$@"; do
  if [ "$prev" = "-n" ] || [ "$prev" = "--node" ]; then
    [ "$a" = "${node.name}" ] || exec /usr/sbin/${tool} "$@"
  fi
  prev="$a"
done
exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin ${env} chroot ${CHROOT} /usr/sbin/${tool} "$@"
`,
    );
    chmodSync(file, 0o755);
  }
  return dir;
}

/**
 * What the node says about deprecated features the run used: `list_deprecated_features --used` and
 * the log's "Deprecated features" warnings (read before `stop` deletes the log).
 */
export function deprecationFindings() {
  const used = ctl(['list_deprecated_features', '--used', '-q', '--formatter', 'json'], {
    timeoutMs: 30_000,
  });
  let names;
  try {
    names = JSON.parse(used.stdout.trim() || '[]').map((row) => `${row.name} (${row.deprecation_phase})`);
  } catch {
    names = [`(list_deprecated_features failed: ${(used.stderr || used.stdout).trim().split('\n')[0]})`];
  }
  const lines = existsSync(node.logFile)
    ? readFileSync(node.logFile, 'utf8')
        .split('\n')
        .filter((line) => /Deprecated features: /.test(line))
        .map((line) => line.replace(/^.*Deprecated features: /, ''))
    : [];
  return { used: names, logged: [...new Set(lines)] };
}

/**
 * Starts the node, runs `command` with AMQP_URL, RABBITMQ_NODENAME and the CLI shims on PATH, prints
 * the node log's warnings, stops the node (also on SIGINT/SIGTERM) and resolves with the exit code.
 */
export async function run(command, extraEnv = {}) {
  let child;
  let shims;
  let stopping;
  const cleanup = async () => {
    stopping ??= (async () => {
      if (existsSync(node.dataDir)) {
        const { used, logged } = deprecationFindings();
        log(
          `deprecated features still in use at the end (list_deprecated_features --used): ${used.length > 0 ? used.join(', ') : 'none'}`,
        );
        for (const line of logged) log(`node log: ${line}`);
      }
      const problems = await stop();
      if (shims !== undefined) rmSync(shims, { recursive: true, force: true });
      log(
        problems.length > 0
          ? `stopped with problems: ${problems.join('; ')}`
          : `${node.name} stopped, data deleted`,
      );
    })();
    return stopping;
  };
  const onSignal = (signal) => {
    log(`${signal}: stopping`);
    child?.kill(signal);
    void cleanup().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await start();
    shims = shimDir();
    const env = {
      ...process.env,
      AMQP_URL: node.url,
      RABBITMQ_NODENAME: node.name,
      PATH: `${shims}:${process.env.PATH}`,
      ...extraEnv,
    };
    log(`running: ${command.join(' ')}`);
    const code = await new Promise((resolve) => {
      child = spawn(command[0], command.slice(1), { env, stdio: 'inherit' });
      child.once('exit', (status, signal) => resolve(status ?? (signal ? 1 : 0)));
      child.once('error', (error) => {
        console.error(error);
        resolve(1);
      });
    });
    return code;
  } finally {
    await cleanup();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

async function main(argv) {
  const [verb, ...rest] = argv;
  if (verb === 'build') return void build();
  if (verb === 'start') return void (await start());
  if (verb === 'stop') {
    const problems = await stop();
    return log(problems.length > 0 ? problems.join('; ') : 'stopped (or was not running), data deleted');
  }
  if (verb === 'run') {
    const command = rest[0] === '--' ? rest.slice(1) : rest;
    if (command.length === 0) throw new Error('usage: rabbitmq4-node.mjs run -- COMMAND [ARGS...]');
    process.exitCode = await run(command);
    return;
  }
  throw new Error('usage: rabbitmq4-node.mjs build | start | stop | run -- COMMAND [ARGS...]');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main(process.argv.slice(2)).catch((error) => {
    console.error(`rabbitmq4: ${error.message}`);
    process.exitCode = 1;
  });
}
