import { Injectable } from '@nestjs/common';

/** What the orders app's handlers did: attempts per order, orders shipped, orders parked and why. */
@Injectable()
export class OrdersRecord {
  readonly attempts = new Map<number, number>();
  readonly shipped: number[] = [];
  readonly parked: { id: number; reason: unknown; retries: unknown }[] = [];
}
