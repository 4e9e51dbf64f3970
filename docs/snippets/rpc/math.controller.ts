import { Controller } from '@nestjs/common';
import { MessagePattern, Payload, RpcException } from '@nestjs/microservices';

@Controller()
export class MathController {
  // The return value (or the resolved promise / last value of an observable) is the reply.
  @MessagePattern('sum')
  sum(@Payload() numbers: number[]): number {
    return numbers.reduce((total, n) => total + n, 0);
  }

  // An RpcException reaches the caller as the observable's error, with its message; any other error
  // as Nest's "Internal server error" (its details stay in the server).
  @MessagePattern('divide')
  divide(@Payload() [a, b]: [number, number]): number {
    if (b === 0) throw new RpcException('division by zero');
    return a / b;
  }
}
