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
    try {
      sink.emit('error', wrapped);
      return;
    } catch {
      // An 'error' listener that throws must not cut short the loop that called us (the other close,
      // return and cancel callbacks still run): it falls through to the warning.
    }
  }
  process.emitWarning(`${where} threw: ${wrapped.stack ?? wrapped.message}`, { code: 'AMQP_CALLBACK_ERROR' });
}
