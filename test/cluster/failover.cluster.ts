/**
 * Failover across a RabbitMQ cluster: two extra nodes are started on this machine and clustered with
 * the main broker; a quorum queue (replicated on all three) is declared; a publisher and a consumer
 * given every node's URL, connected to rabbit2, keep publishing (confirmed) and consuming while
 * rabbit2 is stopped: they move to a surviving node and nothing confirmed is lost.
 *
 * Three nodes, not two: a quorum queue needs a majority of its members, so with two members the
 * stop of either makes it unavailable until that node returns.
 *
 * Run with `npm run test:cluster` (not part of `npm test`). In `finally` the extra nodes are stopped,
 * forgotten by the main node and deleted, and the test checks that the main broker stands alone again.
 */
import { describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectionPids, uniqueName } from '../e2e/recovery/broker-control.js';
import { deleteQueue, nextRecovery, publishThroughFaults } from '../e2e/recovery/publish-through-faults.js';
import {
  clusterNodes,
  joinCluster,
  removeNode,
  runningNodes,
  startNode,
  stopApp,
  type ClusterNode,
} from './cluster-nodes.js';

const MAIN_URL = 'amqp://guest:guest@127.0.0.1:5672';

describe('failover across a cluster', () => {
  it('keeps publishing and consuming a quorum queue while the node the client is on stops', async () => {
    const nodes: ClusterNode[] = [];
    const queue = uniqueName('rec-cluster-qq');
    try {
      nodes.push(await startNode('rabbit2', 5673, 25673));
      nodes.push(await startNode('rabbit3', 5674, 25674));
      for (const node of nodes) await joinCluster(node);
      expect((await runningNodes()).sort()).toEqual([
        'rabbit2@localhost',
        'rabbit3@localhost',
        'rabbit@localhost',
      ]);
      const [rabbit2, rabbit3] = nodes as [ClusterNode, ClusterNode];
      const publisherName = uniqueName('rec-cluster-pub');
      const consumerName = uniqueName('rec-cluster-con');
      let movedTo: string | undefined;

      const report = await publishThroughFaults({
        queue,
        publisherName,
        consumerName,
        // rabbit2 first: the client starts there; the other nodes are where it can go.
        url: [rabbit2.url, rabbit3.url, MAIN_URL],
        queueArguments: { 'x-queue-type': 'quorum' },
        durable: true,
        total: 6_000,
        ratePerSecond: 1_000,
        window: 300,
        drainTimeoutMs: 60_000,
        faults: async (publisher, consumer) => {
          await sleep(1_500);
          expect(await connectionPids(publisherName, rabbit2.name)).toHaveLength(1);
          expect(await connectionPids(consumerName, rabbit2.name)).toHaveLength(1);
          const recovered = Promise.all([nextRecovery(publisher, 60_000), nextRecovery(consumer, 60_000)]);
          await stopApp(rabbit2);
          await recovered;
          const onRabbit3 = await connectionPids(publisherName, rabbit3.name);
          movedTo = onRabbit3.length > 0 ? rabbit3.name : 'rabbit@localhost';
        },
      });
      console.log(`cluster failover (client moved from rabbit2 to ${movedTo}): ${JSON.stringify(report)}`);
      expect(movedTo).toBeDefined();
      expect(report.publisherRecoveries).toBe(1);
      expect(report.consumerRecoveries).toBe(1);
      expect(report.failed).toBe(0);
      expect(report.confirmed).toBe(6_000);
      expect(report.lost).toBe(0);
      expect(report.received).toBe(6_000);
    } finally {
      await deleteQueue(MAIN_URL, queue);
      const problems: string[] = [];
      for (const node of nodes.reverse()) problems.push(...(await removeNode(node)));
      if (problems.length > 0) console.log(`cluster cleanup: ${problems.join('; ')}`);
    }
    expect(await clusterNodes()).toEqual(['rabbit@localhost']);
  });
});
