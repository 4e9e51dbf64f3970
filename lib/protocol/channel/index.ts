/** The channel: state machine, synchronous-method queue, consumers, confirms, returns, tx. */
export { Channel } from './channel.js';
export type { ChannelLink } from './channel-link.js';
export type { ChannelState } from './channel-state.js';
export type {
  BasicConsumeOptions,
  BasicGetOptions,
  BasicNackOptions,
  BasicPublishOptions,
  BasicQosOptions,
  CancelCallback,
  ChannelCloseCallback,
  DeliveryCallback,
  ExchangeBindOptions,
  ExchangeDeclareOptions,
  ExchangeDeleteOptions,
  GetMessage,
  QueueBindOptions,
  QueueDeclareOptions,
  QueueDeleteOptions,
  QueuePurgeOptions,
  ReturnCallback,
} from './channel-options.js';
