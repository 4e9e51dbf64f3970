/**
 * A consumer without a dead-letter exchange gets `<queue>.dlq` declared for it (no quiet drop), and many
 * suites delete only the queues they named. Run-wide, the teardown removes each `.dlq` queue that the run
 * created (absent at the start) whose own queue is gone, so `npm test` leaves the broker's queues as it
 * found them. A `.dlq` of another app, or one whose queue still exists, is left alone.
 */
import { execFile } from 'node:child_process';
import amqplib from 'amqplib';

function queueNames() {
  return new Promise((resolve) =>
    execFile(
      'rabbitmqctl',
      ['-q', 'list_queues', 'name', '--no-table-headers'],
      { timeout: 60_000 },
      (error, stdout) =>
        resolve(
          error === null
            ? new Set(
                stdout
                  .split('\n')
                  .map((line) => line.trim())
                  .filter(Boolean),
              )
            : undefined,
        ),
    ),
  );
}

/** The queues there are before the run (undefined when rabbitmqctl is not reachable: nothing is removed then). */
export async function recordQueues() {
  globalThis.__queuesBeforeRun = await queueNames();
}

/** Deletes the run's orphaned `.dlq` queues; returns how many. */
export async function removeOrphanedDeadLetterQueues() {
  const before = globalThis.__queuesBeforeRun;
  const now = await queueNames();
  if (before === undefined || now === undefined) return 0;
  const orphans = [...now].filter(
    (name) => name.endsWith('.dlq') && !before.has(name) && !now.has(name.slice(0, -4)),
  );
  if (orphans.length > 0) await deleteQueues(orphans);
  return orphans.length;
}

/**
 * queue.delete over one AMQP connection: a `rabbitmqctl delete_queue` per queue would boot an Erlang
 * VM each (about a second of CPU), and a run leaves a dozen of them. A queue gone meanwhile is fine.
 */
async function deleteQueues(names) {
  const connection = await amqplib.connect(process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672');
  try {
    for (const name of names) {
      const channel = await connection.createChannel();
      channel.on('error', () => undefined);
      await channel.deleteQueue(name).catch(() => undefined);
      await channel.close().catch(() => undefined);
    }
  } finally {
    await connection.close().catch(() => undefined);
  }
}
