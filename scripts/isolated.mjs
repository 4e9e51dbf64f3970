#!/usr/bin/env node
// Runs a command in a network namespace of its own (loopback only; `unshare -n`, root), so that test
// suites with fixed ports of their own (TCP proxies on 57xx, private nodes) can run in several test
// steps at once, as CI runs them side by side, without one step's suite reaching the other's
// listener. Inside, nothing of the host's network is reachable: no shared broker, no registry.
//
//   node scripts/isolated.mjs -- CMD...                  CMD alone (e.g. test:rabbitmq4: its node runs
//                                                        in the namespace with it)
//   node scripts/isolated.mjs --broker NAME -- CMD...    CMD against a RabbitMQ node of its own, NAME@localhost
//                                                        on 127.0.0.1:5672 inside the namespace (AMQP_URL,
//                                                        RABBITMQ_NODENAME for rabbitmqctl), started before
//                                                        and stopped and deleted after, pass or fail
//
// Names resolve as they do without a network: the host's name servers (from /etc/resolv.conf) are
// answered inside the namespace by a stub that says "no such name" to every query, so a host that
// does not resolve fails with ENOTFOUND, as on the host, not with a time-out (EAI_AGAIN); names in
// /etc/hosts (localhost) resolve as ever. The Erlang port mapper the nodes start inside the
// namespace is stopped at the end. Exits with CMD's code.
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

const INSIDE = 'NESTJS_AMQP_TRANSPORT_ISOLATED';
const { values: args, positionals: command } = parseArgs({
  options: { broker: { type: 'string' } },
  allowPositionals: true,
});
if (command.length === 0)
  throw new Error('isolated: no command given (node scripts/isolated.mjs [--broker NAME] -- CMD...)');
if (args.broker !== undefined && !/^[a-z][a-z0-9_-]*$/i.test(args.broker))
  throw new Error(`isolated: --broker ${args.broker}: expected a node name of letters, digits, - and _`);

/** Runs a command with inherited output; resolves to its exit code (128 + n on a signal). */
function run(argv, env = process.env) {
  return new Promise((done, fail) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: 'inherit', env });
    child.on('error', fail);
    child.on('close', (code, signal) => done(code ?? 128 + (signal === 'SIGINT' ? 2 : 15)));
  });
}

if (process.env[INSIDE] === undefined) {
  if (process.getuid?.() !== 0)
    throw new Error('isolated: a network namespace of its own needs root (unshare -n)');
  const self = [process.execPath, resolve(import.meta.filename)];
  const given = [...(args.broker === undefined ? [] : ['--broker', args.broker]), '--', ...command];
  process.exitCode = await run(['unshare', '-n', ...self, ...given], { ...process.env, [INSIDE]: '1' });
} else {
  const up = spawnSync('ip', ['link', 'set', 'lo', 'up'], { stdio: 'inherit' });
  if (up.status !== 0) throw new Error('isolated: `ip link set lo up` failed in the new network namespace');
  const stubs = await nameServerStubs();
  try {
    process.exitCode = args.broker === undefined ? await run(command) : await withBroker(args.broker);
  } finally {
    spawnSync('epmd', ['-kill'], { stdio: 'ignore' });
    for (const socket of stubs) socket.close();
  }
}

/** Starts NAME@localhost on 5672 (the namespace's own), runs the command against it, stops it. */
async function withBroker(name) {
  process.env['FAULTS_NODE'] = name;
  process.env['FAULTS_PORT'] = '5672';
  process.env['FAULTS_DIST_PORT'] = '25672';
  const { tsImport } = await import('tsx/esm/api');
  const { privateNodeLayout, startPrivateNode, stopPrivateNode } = await tsImport(
    '../test/faults/private-node.ts',
    import.meta.url,
  );
  const node = privateNodeLayout();
  const started = Date.now();
  let code = 1;
  try {
    await startPrivateNode(node);
    console.log(`isolated: ${node.name} on 127.0.0.1:${node.port} (${Date.now() - started} ms)`);
    code = await run(command, { ...process.env, AMQP_URL: node.url, RABBITMQ_NODENAME: node.name });
  } finally {
    const problems = await stopPrivateNode(node);
    if (problems.length > 0) {
      console.error(`isolated: ${problems.join('; ')}`);
      code = code === 0 ? 1 : code;
    }
  }
  return code;
}

/** The name servers of /etc/resolv.conf, each answered on loopback by a stub saying NXDOMAIN. */
async function nameServerStubs() {
  let conf;
  try {
    conf = readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    return []; // no name servers: the resolver has nothing to time out on
  }
  const servers = [...conf.matchAll(/^\s*nameserver\s+(\S+)/gm)].map((match) => match[1]);
  const stubs = [];
  for (const server of servers) {
    const v6 = isIPv6(server);
    const added = spawnSync('ip', [v6 ? '-6' : '-4', 'addr', 'add', server, 'dev', 'lo'], {
      encoding: 'utf8',
    });
    if (added.status !== 0 && !/File exists/.test(added.stderr))
      throw new Error(
        `isolated: cannot give loopback the name server's address ${server}: ${added.stderr.trim()}`,
      );
    const socket = createSocket(v6 ? 'udp6' : 'udp4');
    socket.on('message', (query, from) => {
      const reply = noSuchName(query);
      if (reply !== undefined) socket.send(reply, from.port, from.address);
    });
    await new Promise((done, fail) => {
      socket.once('error', fail);
      socket.bind(53, server, () => done(undefined));
    });
    stubs.push(socket);
  }
  return stubs;
}

/** An NXDOMAIN answer to a DNS query (its header and question), or undefined for a malformed one. */
function noSuchName(query) {
  let end = 12;
  while (end < query.length && query[end] !== 0) end += query[end] + 1;
  end += 5; // the root label, QTYPE, QCLASS
  if (query.length < 12 || end > query.length) return undefined;
  const reply = Buffer.from(query.subarray(0, end));
  reply[2] = 0x80 | (query[2] & 0x79); // QR, the query's opcode and RD
  reply[3] = 0x80 | 3; // RA, RCODE 3: no such name
  reply.writeUInt16BE(1, 4); // the one question
  reply.fill(0, 6, 12); // no answers, authority or additional records
  return reply;
}
