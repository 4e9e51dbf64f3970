/**
 * Deletes a bench's queues and the `<queue>.dlq` ServerAMQP declared for each (its default gives every
 * queue a dead-letter queue): a bench run against a shared broker leaves nothing behind.
 */
import amqplib from 'amqplib';

export async function deleteQueues(url: string, queues: string[]): Promise<void> {
  const connection = await amqplib.connect(url);
  const channel = await connection.createChannel();
  // Deleting a queue that is not there is not an error on RabbitMQ: the channel stays open.
  for (const queue of queues) {
    await channel.deleteQueue(queue);
    await channel.deleteQueue(`${queue}.dlq`);
  }
  await connection.close();
}
