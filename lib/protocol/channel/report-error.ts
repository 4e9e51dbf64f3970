/**
 * Where an exception thrown by a user's callback goes. It must not travel back into the frame parser
 * (that would kill the socket path for every channel), so it is handed to the connection's 'error'
 * listeners when there are any, else emitted as a process warning.
 */
import type { ChannelLink } from './channel-link.js';

interface ErrorSink {
  listenerCount?(event: string): number;
  emit?(event: string, ...args: unknown[]): boolean;
}

export function reportCallbackError(link: ChannelLink, error: unknown, where: string): void {
  const sink = link.connection as unknown as ErrorSink | undefined;
  const wrapped = error instanceof Error ? error : new Error(String(error));
  if (sink?.listenerCount !== undefined && sink.emit !== undefined && sink.listenerCount('error') > 0) {
    sink.emit('error', wrapped);
    return;
  }
  process.emitWarning(`${where} threw: ${wrapped.stack ?? wrapped.message}`, { code: 'AMQP_CALLBACK_ERROR' });
}
