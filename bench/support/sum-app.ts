/**
 * The Nest app the RPC benches drive (bench:nest and prof-rpc): `sum` over @MessagePattern, `tick`
 * over @EventPattern counted per app, and the two loads that drive it (calls kept in flight, and
 * confirmed emits timed until handled). Each function takes what it drives, so both benches run
 * the same code against every transport.
 */
import { Controller, Module, type Type } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload, type ClientProxy } from '@nestjs/microservices';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { runInFlight } from './in-flight.js';

/** What the benches use of a Nest client (ClientRMQ's status type differs from ClientProxy's default). */
export type BenchClient = Pick<ClientProxy, 'send' | 'emit' | 'connect' | 'close'>;

/** Events one app has handled. */
export interface EventCount {
  events: number;
}

/** A module with a controller class of its own, so each app counts its own events. */
export function sumModule(received: EventCount): Type<unknown> {
  @Controller()
  class SumController {
    @MessagePattern('sum')
    sum(@Payload() numbers: number[]): number {
      let total = 0;
      for (const n of numbers) total += n;
      return total;
    }

    @EventPattern('tick')
    tick(@Payload() _n: number): void {
      received.events += 1;
    }
  }
  @Module({ controllers: [SumController] })
  class SumModule {}
  return SumModule;
}

/** One `send('sum', [i, 1, 2])`, checked. */
export async function callSum(client: BenchClient, i: number): Promise<void> {
  const result = await firstValueFrom(client.send<number>('sum', [i, 1, 2]));
  if (result !== i + 3) throw new Error(`wrong answer ${String(result)} for call ${i}`);
}

/** `calls` checked calls with `inFlight` outstanding at all times. */
export async function callsInFlight(client: BenchClient, calls: number, inFlight: number): Promise<void> {
  await runInFlight(calls, inFlight, (i) => callSum(client, i));
}

/** `count` confirmed `emit('tick')`, at most `window` unconfirmed, then waits until all were handled. */
export async function emitUntilHandled(
  client: BenchClient,
  received: EventCount,
  count: number,
  window: number,
): Promise<void> {
  const target = received.events + count;
  let pending: Promise<unknown>[] = [];
  for (let i = 0; i < count; i += 1) {
    pending.push(lastValueFrom(client.emit('tick', i), { defaultValue: undefined }));
    if (pending.length >= window) {
      await Promise.all(pending);
      pending = [];
    }
  }
  await Promise.all(pending);
  while (received.events < target) await new Promise((resolve) => setTimeout(resolve, 1));
}
