/**
 * ClientAMQP's options as plain JavaScript gives them through ClientsModule (untyped there): the
 * mistakes fail at construction naming the option, not later as `urls.join is not a function` or a
 * 312 NO_ROUTE. A send to a closed port fails with the socket's code where ClientRMQ puts it.
 */
import { describe, it, expect } from '@jest/globals';
import { Module } from '@nestjs/common';
import { ClientRMQ, ClientsModule } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { firstValueFrom } from 'rxjs';
import { ConnectionLostError, InvalidOptionError } from '../../../../lib/protocol/errors.js';
import { ClientAMQP } from '../../../../lib/transport/client/client-amqp.js';

/** What a JavaScript app writes: ClientsModule types `options` as Record<string, any>. */
async function compileWith(options: Record<string, unknown>): Promise<unknown> {
  try {
    @Module({ imports: [ClientsModule.register([{ name: 'ORDERS', customClass: ClientAMQP, options }])] })
    class AppModule {}
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    await moduleRef.close();
    return undefined;
  } catch (error) {
    return error;
  }
}

describe('ClientAMQP options from JavaScript (ClientsModule.register with customClass)', () => {
  it("urls: 'amqp://localhost' fails construction naming urls", async () => {
    const error = await compileWith({ urls: 'amqp://localhost', queue: 'rmq-never' });
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).option).toBe('urls');
    expect((error as Error).message).toContain("urls: must be an array of URL strings or URL objects, got a string");
  });

  it('queu: fails construction naming it, with "did you mean queue"', async () => {
    const error = await compileWith({ urls: ['amqp://localhost'], queu: 'rmq-never' });
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as Error).message).toBe('queu: unknown option (did you mean "queue"?)');
  });
});

describe('a send to a closed port', () => {
  it('fails with ECONNREFUSED as error.err.code (where ClientRMQ has it), next to the typed ConnectionLostError', async () => {
    const closed = 'amqp://guest:secret-pw@127.0.0.1:1';
    const rmq = new ClientRMQ({ urls: [closed], queue: 'rmq-never' });
    const theirs = (await firstValueFrom(rmq.send('sum', [1])).catch((e: unknown) => e)) as { err?: { code?: string } };
    await rmq.close();
    const ours = new ClientAMQP({ urls: [closed], queue: 'rmq-never' });
    const started = Date.now();
    const error = await firstValueFrom(ours.send('sum', [1])).catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    await ours.close();
    // The code an app maps to HTTP 408, as Nest's sample does, is where it was with ClientRMQ.
    expect(theirs.err?.code).toBe('ECONNREFUSED');
    expect((error as { err?: { code?: string } }).err?.code).toBe('ECONNREFUSED');
    expect(error).toBeInstanceOf(ConnectionLostError);
    expect((error as ConnectionLostError).socketCode).toBe('ECONNREFUSED');
    expect((error as ConnectionLostError).code).toBe('ERR_AMQP_CONNECTION_LOST');
    expect((error as Error).message).not.toContain('secret-pw');
    // One pass over the URLs, as ClientRMQ: no start-up wait on the client side.
    expect(elapsed).toBeLessThan(2000);
  });

  it('fails with ENOTFOUND for a host that does not resolve', async () => {
    const ours = new ClientAMQP({ urls: ['amqp://guest:guest@rmq-no-such-host.invalid:5672'], queue: 'rmq-never' });
    const error = await firstValueFrom(ours.emit('evt', 1)).catch((e: unknown) => e);
    await ours.close();
    expect((error as { err?: { code?: string } }).err?.code).toBe('ENOTFOUND');
  });
});
