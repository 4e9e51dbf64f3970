#!/usr/bin/env node
// Makes sure a RabbitMQ broker accepts AMQP connections at AMQP_URL (default amqp://guest:guest@127.0.0.1:5672).
// Order: use one that answers; else start an installed rabbitmq-server; else install it (Debian, as root);
// else print the exact commands to get one. Then wait until it accepts an AMQP protocol header.
import { execFileSync, spawnSync } from 'node:child_process';
import net from 'node:net';

const url = new URL(process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672');
const host = url.hostname || '127.0.0.1';
const port = Number(url.port || 5672);
const local = ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host);

/** Resolves true when the peer answers an AMQP 0-9-1 protocol header with connection.start (a method frame). */
function probe(timeoutMs = 2000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write(Buffer.from([65, 77, 81, 80, 0, 0, 9, 1])));
    socket.once('data', (chunk) => done(chunk[0] === 1));
  });
}

async function waitUp(seconds) {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    if (await probe()) return true;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return false;
}

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function howTo() {
  console.error(`No AMQP broker answers at ${host}:${port}. To get one:
  Debian/Ubuntu (as root):  apt-get update && apt-get install -y rabbitmq-server && rabbitmq-server -detached
  macOS (Homebrew):         brew install rabbitmq && brew services start rabbitmq
  Docker:                   docker run -d --name rabbitmq -p 5672:5672 rabbitmq:3
Or point AMQP_URL at a broker you have (user guest/guest from 127.0.0.1 by default).`);
}

async function main() {
  if (await probe()) return console.log(`broker: answering at ${host}:${port}`);
  if (!local) {
    console.error(`broker: ${host}:${port} (from AMQP_URL) does not answer and is not local, so it is not started here.`);
    howTo();
    process.exit(1);
  }
  if (!has('rabbitmq-server')) {
    const root = typeof process.getuid === 'function' && process.getuid() === 0;
    if (root && has('apt-get')) {
      console.log('broker: installing rabbitmq-server with apt-get ...');
      execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server'], {
        stdio: 'inherit',
      });
    } else {
      howTo();
      process.exit(1);
    }
  }
  console.log('broker: starting rabbitmq-server -detached ...');
  spawnSync('rabbitmq-server', ['-detached'], { stdio: 'inherit' });
  if (await waitUp(90)) return console.log(`broker: answering at ${host}:${port}`);
  console.error('broker: rabbitmq-server was started but does not answer after 90 s; see `rabbitmqctl status`.');
  howTo();
  process.exit(1);
}

await main();
