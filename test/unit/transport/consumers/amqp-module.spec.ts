import { describe, it, expect } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { InvalidArgumentError } from '../../../../lib/protocol/errors.js';
import { AmqpRpcParamsFactory } from '../../../../lib/transport/module/rpc-params.factory.js';
import { AmqpModule } from '../../../../lib/transport/module/amqp.module.js';
import { AmqpPublisher } from '../../../../lib/transport/module/amqp-publisher.js';
import { getAmqpModuleOptionsToken, getAmqpPublisherToken, InjectAmqpPublisher } from '../../../../lib/transport/module/amqp.tokens.js';
import { AmqpConsumerRegistry } from '../../../../lib/transport/module/amqp-consumer.registry.js';
import { AmqpHealthIndicator } from '../../../../lib/transport/health/amqp-health.indicator.js';

describe('AmqpModule.forRoot / forRootAsync (no connection: providers only)', () => {
  it('refuses an empty name and a forRootAsync without a factory', () => {
    expect(() => AmqpModule.forRoot({ name: '' })).toThrow(InvalidArgumentError);
    expect(() => AmqpModule.forRootAsync({ name: 'x' })).toThrow(/useFactory, useClass or useExisting/);
  });

  it('gives each named module its tokens; the unnamed one keeps AmqpPublisher and AMQP_MODULE_OPTIONS', () => {
    expect(getAmqpPublisherToken()).toBe(AmqpPublisher);
    expect(getAmqpPublisherToken('billing')).toBe('AmqpPublisher:billing');
    expect(getAmqpModuleOptionsToken()).toBe('AMQP_MODULE_OPTIONS');
    expect(getAmqpModuleOptionsToken('billing')).toBe('AMQP_MODULE_OPTIONS:billing');
    const named = AmqpModule.forRoot({ name: 'billing', urls: ['amqp://localhost'] });
    expect(named.exports).toEqual(['AmqpPublisher:billing', 'AMQP_MODULE_OPTIONS:billing']);
  });

  it('resolves named options with connectionKey defaulting to the name, and injects by name', async () => {
    @Injectable()
    class Uses {
      constructor(@InjectAmqpPublisher('billing') readonly billing: AmqpPublisher, @InjectAmqpPublisher() readonly main: AmqpPublisher) {}
    }
    const moduleRef = await Test.createTestingModule({
      imports: [
        AmqpModule.forRoot({ urls: ['amqp://localhost'] }),
        AmqpModule.forRootAsync({ name: 'billing', useFactory: () => ({ urls: ['amqp://localhost/billing'] }) }),
      ],
      providers: [Uses],
    }).compile();
    const uses = moduleRef.get(Uses);
    expect(uses.billing).toBeInstanceOf(AmqpPublisher);
    expect(uses.billing).not.toBe(uses.main);
    // Read by the one checker: the start-up bounds ServerAMQP has (wait for a late broker, 60 s).
    const waits = { maxConnectionAttempts: -1, startupTimeout: 60_000 };
    expect(moduleRef.get(getAmqpModuleOptionsToken('billing'))).toEqual({ urls: ['amqp://localhost/billing'], connectionKey: 'billing', ...waits });
    expect(moduleRef.get(getAmqpModuleOptionsToken())).toEqual({ urls: ['amqp://localhost'], ...waits });
    // One registry and one health indicator for the app, however many modules.
    expect(moduleRef.get(AmqpConsumerRegistry)).toBeInstanceOf(AmqpConsumerRegistry);
    expect(moduleRef.get(AmqpHealthIndicator)).toBeInstanceOf(AmqpHealthIndicator);
  });

  it('keeps a named module\'s options sealed in the container (password masked), as the unnamed one\'s', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        AmqpModule.forRoot({ urls: ['amqp://u:secret@localhost'] }),
        AmqpModule.forRootAsync({ name: 'billing', useFactory: () => ({ urls: ['amqp://u:secret@localhost/billing'] }) }),
      ],
    }).compile();
    expect(JSON.stringify(moduleRef.get(getAmqpModuleOptionsToken('billing')))).not.toContain('secret');
    expect(moduleRef.get<{ urls: string[] }>(getAmqpModuleOptionsToken('billing')).urls).toEqual(['amqp://u:***@localhost/billing']);
    expect(JSON.stringify(moduleRef.get(getAmqpModuleOptionsToken()))).not.toContain('secret');
  });

  it('refuses a factory that returns `name` (it must be known before the factory runs)', async () => {
    const compile = Test.createTestingModule({
      imports: [AmqpModule.forRootAsync({ name: 'x', useFactory: () => ({ name: 'y' }) as never })],
    }).compile();
    await expect(compile).rejects.toThrow(/name: belongs to forRoot\/forRootAsync itself/);
  });

  it('refuses two different modules under one name', async () => {
    const compile = Test.createTestingModule({
      imports: [AmqpModule.forRoot({ name: 'twice', urls: ['amqp://a'] }), AmqpModule.forRoot({ name: 'twice', urls: ['amqp://b'] })],
    }).compile();
    await expect(compile).rejects.toThrow(/two different AmqpModule.forRoot\/forRootAsync named "twice"/);
  });

  it('refuses a serializer without serialize(), where forRoot is called', () => {
    expect(() => AmqpModule.forRoot({ urls: ['amqp://a'], serializer: {} as never })).toThrow(/serializer: must have a serialize/);
  });
});

describe('AmqpRpcParamsFactory', () => {
  const factory = new AmqpRpcParamsFactory();
  it('gives @Payload() the data (or one of its keys) and @Ctx() the context', () => {
    const context = { ctx: true };
    expect(factory.exchangeKeyForValue(3, undefined, [{ a: 1 }, context])).toEqual({ a: 1 });
    expect(factory.exchangeKeyForValue(3, 'a', [{ a: 1 }, context])).toBe(1);
    expect(factory.exchangeKeyForValue(3, 'a', ['text', context])).toBeUndefined();
    expect(factory.exchangeKeyForValue(6, undefined, [{ a: 1 }, context])).toBe(context);
    expect(factory.exchangeKeyForValue(9, undefined, [{ a: 1 }, context])).toBeNull();
  });
});
