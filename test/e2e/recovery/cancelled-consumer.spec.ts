/**
 * What a recovery must NOT bring back, against the real broker: a consumer the application
 * cancelled, and a queue it deleted, stay gone after the connection is lost and recovered, while a
 * consumer that was never cancelled on the same channel is re-attached.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { URLParameters } from '../../../lib/protocol/index.js';
import { RecoveringConnection } from '../../../lib/protocol/recovery/index.js';
import { BROKER_URL, closeConnection, uniqueName } from './broker-control.js';
import { waitFor } from '../../support/wait-for.js';
import { deleteQueue, FAST_RECOVERY, nextRecovery } from './publish-through-faults.js';

describe('recovery leaves cancelled consumers and deleted queues alone', () => {
  const queues: string[] = [];
  let connection: RecoveringConnection | undefined;

  afterAll(async () => {
    await connection?.close().catch(() => undefined);
    for (const queue of queues) await deleteQueue(BROKER_URL, queue);
  });

  it('re-attaches the live consumer only; the cancelled one and the deleted queue do not come back', async () => {
    const name = uniqueName('rec-cancelled');
    const kept = uniqueName('rec-kept-q');
    const cancelled = uniqueName('rec-cancelled-q');
    const deleted = uniqueName('rec-deleted-q');
    queues.push(kept, cancelled);
    connection = await RecoveringConnection.connect(new URLParameters(BROKER_URL).with({ connectionName: name }), {
      recovery: FAST_RECOVERY,
    });
    const channel = await connection.channel();
    const received: Record<string, string[]> = { kept: [], cancelled: [] };
    for (const queue of [kept, cancelled, deleted]) await channel.queueDeclare({ queue, durable: false });
    await channel.basicConsume(kept, (_c, _m, _p, body) => received.kept!.push(body.toString()), { autoAck: true });
    const tag = await channel.basicConsume(cancelled, (_c, _m, _p, body) => received.cancelled!.push(body.toString()), {
      autoAck: true,
    });
    await channel.basicCancel(tag);
    await channel.queueDelete({ queue: deleted });

    const recovered = nextRecovery(connection);
    await closeConnection(name);
    await recovered;

    await channel.basicPublish('', kept, 'after-kept');
    await channel.basicPublish('', cancelled, 'after-cancelled');
    await waitFor(() => received.kept!.length > 0, 'the delivery to the kept consumer');
    await sleep(100);

    expect(received.kept).toEqual(['after-kept']);
    expect(received.cancelled).toEqual([]);
    const keptState = await channel.queueDeclare({ queue: kept, passive: true });
    expect(keptState.consumerCount).toBe(1);
    const cancelledState = await channel.queueDeclare({ queue: cancelled, passive: true });
    expect(cancelledState.consumerCount).toBe(0);
    expect(cancelledState.messageCount).toBe(1);
    // A passive declare of the deleted queue fails with 404 (and closes that channel): it was not re-declared.
    const probe = await connection.channel();
    await expect(probe.queueDeclare({ queue: deleted, passive: true })).rejects.toMatchObject({ replyCode: 404 });
  });
});
