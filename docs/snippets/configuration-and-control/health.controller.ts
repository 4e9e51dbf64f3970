import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { AmqpHealthIndicator } from 'nestjs-amqp-transport';

// AmqpModule provides AmqpHealthIndicator: no provider list needed here.
@Controller('health')
export class HealthController {
  constructor(
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(AmqpHealthIndicator) private readonly amqp: AmqpHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.amqp.isHealthy('amqp')]);
  }
}
