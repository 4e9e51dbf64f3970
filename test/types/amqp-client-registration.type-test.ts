/**
 * Type test (checked by `npm run typecheck`, never run): ClientAMQP options registered through
 * amqpClient() / AmqpClientsModule are typed, so the mistakes ClientsModule's `Record<string, any>`
 * lets through are compile errors. Each @ts-expect-error fails the typecheck if the line compiles.
 */
import { ClientsModule, type RmqOptions } from '@nestjs/microservices';
import { AmqpClientsModule, amqpClient, amqpClientAsync, ClientAMQP, ServerAMQP } from 'nestjs-amqp-transport';

// What compiles today with Nest's own registration, and fails at run time:
ClientsModule.register([{ name: 'UNTYPED', customClass: ClientAMQP, options: { urls: 'amqp://localhost', queu: 'x' } }]);

ClientsModule.register([
  amqpClient({ name: 'MATH', options: { urls: ['amqp://localhost'], queue: 'math_rpc', queueOptions: { messageTtl: 1000 } } }),
  // @ts-expect-error urls must be an array
  amqpClient({ name: 'MATH', options: { urls: 'amqp://localhost', queue: 'math_rpc' } }),
  // @ts-expect-error queu is not an option (queue is)
  amqpClient({ name: 'MATH', options: { urls: ['amqp://localhost'], queu: 'math_rpc' } }),
  // @ts-expect-error a queueOptions shortcut misspelt
  amqpClient({ name: 'MATH', options: { queue: 'q', queueOptions: { messageTTL: 1000 } } }),
]);

AmqpClientsModule.register([
  { name: 'MATH', options: { urls: [{ hostname: 'localhost', port: 5672 }], queue: 'math_rpc', wildcards: true } },
  // @ts-expect-error urls must be an array
  { name: 'BAD', options: { urls: 'amqp://localhost' } },
  // @ts-expect-error queu is not an option
  { name: 'BAD', options: { queu: 'math_rpc' } },
]);

AmqpClientsModule.registerAsync([
  { name: 'ASYNC', useFactory: () => ({ urls: ['amqp://localhost'], queue: 'math_rpc' }) },
  // @ts-expect-error the factory's options are typed too
  { name: 'ASYNC_BAD', useFactory: () => ({ urls: 'amqp://localhost' }) },
]);
ClientsModule.registerAsync([amqpClientAsync({ name: 'ASYNC2', useFactory: async () => ({ queue: 'q' }) })]);

// A Transport.RMQ app's options object, typed by Nest, passes unchanged to both classes.
declare const rmqOptions: NonNullable<RmqOptions['options']>;
new ServerAMQP(rmqOptions);
new ClientAMQP(rmqOptions);
