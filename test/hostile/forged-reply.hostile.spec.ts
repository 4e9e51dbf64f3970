/**
 * A producer on the reply path (here the request's consumer itself, answering from a raw engine
 * connection) has seen one request's correlation id and forges replies for the next calls with ids
 * guessed from it (neighbours under a prefix+counter scheme, one-character variations): none is
 * accepted, and the real reply, sent last, still arrives.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { lastValueFrom } from 'rxjs';
import { Connection } from '../../lib/protocol/connection/connection.js';
import { ClientAMQP } from '../../lib/index.js';
import { deleteQueue } from '../support/broker.js';

const AMQP_URL = process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
const QUEUE = `hostile.forged-reply.${process.pid}`;

function guessesFrom(seen: string): string[] {
  const guesses = new Set<string>();
  const dot = seen.lastIndexOf('.');
  for (let n = 0; n < 50; n++) guesses.add(`${seen.slice(0, dot + 1)}${n.toString(36)}`);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  for (let i = Math.max(0, seen.length - 3); i < seen.length; i++) for (const c of alphabet) guesses.add(seen.slice(0, i) + c + seen.slice(i + 1));
  guesses.delete(seen);
  return [...guesses];
}

describe('hostile producer on the reply path: forged replies', () => {
  afterAll(async () => {
    await deleteQueue(QUEUE).catch(() => undefined);
  });

  it('replies with guessed correlation ids are ignored; the real reply arrives', async () => {
    const hostile = await Connection.connect(AMQP_URL);
    const client = new ClientAMQP({ urls: [AMQP_URL], queue: QUEUE, queueOptions: { durable: false } });
    try {
      const channel = await hostile.channel();
      await channel.queueDeclare({ queue: QUEUE, durable: false });
      let observed: string | undefined;
      let forged = 0;
      await channel.basicConsume(
        QUEUE,
        (_c, _m, properties, body) => {
          const request = JSON.parse(body.toString()) as { data: number };
          const replyTo = properties.replyTo as string;
          const id = properties.correlationId as string;
          const reply = (correlationId: string, response: unknown): void =>
            void channel.basicPublish('', replyTo, JSON.stringify({ response, isDisposed: true }), { correlationId, contentType: 'application/json' });
          if (observed === undefined) {
            observed = id;
            reply(id, request.data);
            return;
          }
          for (const guess of guessesFrom(observed)) {
            forged += 1;
            reply(guess, 'forged');
          }
          reply(id, request.data);
        },
        { autoAck: true },
      );
      await client.connect();
      expect(await lastValueFrom(client.send<number>('n', 0))).toBe(0);
      const answers = await Promise.all([1, 2, 3, 4, 5].map((n) => lastValueFrom(client.send<number | string>('n', n))));
      expect(answers).toEqual([1, 2, 3, 4, 5]);
      expect(forged).toBeGreaterThan(1_000);
      console.log(`forged replies: ${forged} sent with ids guessed from one observed id, 0 of 5 calls answered by them`);
    } finally {
      await client.close();
      await hostile.close();
    }
  });
});
