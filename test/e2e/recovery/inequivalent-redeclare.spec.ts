/**
 * A queue that someone re-declared with other arguments while the connection was down: the
 * recovery reports the 406 on re-declaring it (typed, naming the queue) and restores everything
 * else; the recorded consumer is started again on the queue as it now is, and no channel of the
 * application is closed by it.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { ChannelClosedError, URLParameters, type AMQPError } from '../../../lib/protocol/index.js';
import { RecoveringConnection } from '../../../lib/protocol/recovery/index.js';
import { BROKER_URL, closeConnection, uniqueName } from './broker-control.js';
import { waitFor } from '../../support/wait-for.js';
import { deleteQueue } from './publish-through-faults.js';


describe('recovery when a queue was re-declared with other arguments during the outage', () => {
  const queues: string[] = [];
  const connections: RecoveringConnection[] = [];

  afterAll(async () => {
    for (const connection of connections) await connection.close().catch(() => undefined);
    for (const queue of queues) await deleteQueue(BROKER_URL, queue);
  });

  it('reports a typed 406 for that queue, restores the rest, and consumes from the queue as it now is', async () => {
    const name = uniqueName('rec-406');
    const changed = uniqueName('rec-406-changed-q');
    const intact = uniqueName('rec-406-intact-q');
    queues.push(changed, intact);
    // Recovery waits ~1.5 s before reconnecting (the jitter drawn at its top), time to change the queue.
    const connection = await RecoveringConnection.connect(new URLParameters(BROKER_URL).with({ connectionName: name }), {
      recovery: { initialDelayMs: 1500, maxDelayMs: 1500 },
      random: () => 0.999,
    });
    connections.push(connection);
    const errors: Array<{ error: AMQPError; what: string }> = [];
    connection.on('topologyRecoveryError', (error, what) => errors.push({ error, what }));
    const channel = await connection.channel();
    await channel.queueDeclare({ queue: changed, durable: false, arguments: { 'x-message-ttl': 60_000 } });
    await channel.queueDeclare({ queue: intact, durable: false });
    const received: string[] = [];
    await channel.basicConsume(changed, (_c, _m, _p, body) => received.push(`changed:${body.toString()}`), {
      autoAck: true,
    });
    await channel.basicConsume(intact, (_c, _m, _p, body) => received.push(`intact:${body.toString()}`), {
      autoAck: true,
    });

    const other = await RecoveringConnection.connect(BROKER_URL);
    connections.push(other);
    const otherChannel = await other.channel();
    let recovered = false;
    connection.once('recovered', () => (recovered = true));
    await closeConnection(name);
    await waitFor(() => connection.state === 'RECOVERING', 'the connection to start recovering');
    await otherChannel.queueDelete({ queue: changed });
    await otherChannel.queueDeclare({ queue: changed, durable: false, arguments: { 'x-message-ttl': 5_000 } });
    expect(recovered).toBe(false);
    await waitFor(() => recovered, 'the recovery', 20_000);

    expect(errors).toHaveLength(1);
    expect(errors[0]!.what).toContain(changed);
    expect(errors[0]!.error).toBeInstanceOf(ChannelClosedError);
    expect((errors[0]!.error as ChannelClosedError).replyCode).toBe(406);
    expect(errors[0]!.error.message).toContain('x-message-ttl');

    await channel.basicPublish('', intact, 'a');
    await channel.basicPublish('', changed, 'b');
    await waitFor(() => received.length === 2, 'both deliveries');
    expect(received.sort()).toEqual(['changed:b', 'intact:a']);
    expect(channel.isOpen).toBe(true);
  });
});
