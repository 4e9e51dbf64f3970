import type { ParamData } from '@nestjs/common';
import type { ParamsFactory } from '@nestjs/core';

/** @nestjs/microservices' RpcParamtype values (not exported from its index): what @Payload() and @Ctx() record. */
const PAYLOAD = 3;
const CONTEXT = 6;

/**
 * Fills `@Payload()` and `@Ctx()` of a provider's consumer as Nest's microservices do for a
 * controller: the handler is called with (data, AmqpContext).
 */
export class AmqpRpcParamsFactory implements ParamsFactory {
  exchangeKeyForValue(type: number, data: ParamData | undefined, args: unknown[] | undefined): unknown {
    if (args === undefined) return null;
    switch (type) {
      case PAYLOAD: {
        const payload = args[0];
        if (data === undefined || data === null) return payload;
        return typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>)[String(data)] : undefined;
      }
      case CONTEXT:
        return args[1];
      default:
        return null;
    }
  }
}
