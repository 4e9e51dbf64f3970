/** The channel: state machine, synchronous-method queue, consumers, confirms, returns, tx. */
export { Channel, type ChannelCloseCallback, type DeliveryCallback, type ReturnCallback } from './channel.js';
export type { ChannelLink } from './channel-link.js';
export type { ChannelState } from './channel-state.js';
export type {
  BasicConsumeOptions,
  BasicGetOptions,
  BasicNackOptions,
  BasicPublishOptions,
  BasicQosOptions,
  CancelCallback,
  ExchangeBindOptions,
  ExchangeDeclareOptions,
  ExchangeDeleteOptions,
  GetMessage,
  QueueBindOptions,
  QueueDeclareOptions,
  QueueDeleteOptions,
  QueuePurgeOptions,
} from './channel-options.js';
