import { Test, TestingModule } from '@nestjs/testing';
import { ServerAMQP } from 'nestjs-amqp-transport';
import { JobsController } from './jobs.controller';
import { ReceivedService } from './received.service';

// A unit spec as `nest new` generates them (no broker): Jest's own require() loads the package.
describe('JobsController', () => {
  let controller: JobsController;

  beforeEach(async () => {
    const app: TestingModule = await Test.createTestingModule({
      controllers: [JobsController],
      providers: [ReceivedService],
    }).compile();
    controller = app.get<JobsController>(JobsController);
  });

  it('sums', () => {
    expect(controller.sum([1, 2, 3])).toBe(6);
  });

  it('loads the CommonJS build', () => {
    expect(typeof ServerAMQP).toBe('function');
    expect(require.resolve('nestjs-amqp-transport')).toMatch(/dist[\\/]entry[\\/]index\.cjs$/);
  });
});
