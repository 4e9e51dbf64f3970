/**
 * The typed errors a connection ends with when the broker closes it, chosen by the state the close
 * arrived in, and the reply text limit of connection.close.
 */
import type { ConnectionState } from './connection-state.js';
import { type AMQPError, AuthenticationError, ConnectionClosedError, type CloseReason } from '../errors.js';
import type { ConnectionParameters } from '../parameters/index.js';

/**
 * A broker connection.close as the error the connection ends with: 403 in START is a refused login
 * ({@link AuthenticationError}, naming the user, never the password); a close in TUNE answers
 * connection.open, so it names the virtual host (530 NOT_ALLOWED when it is missing); else the plain
 * {@link ConnectionClosedError} with the broker's code, text, class and method.
 */
export function brokerCloseError(from: ConnectionState, reason: CloseReason, params: ConnectionParameters): AMQPError {
  if (from === 'START' && reason.replyCode === 403) {
    const credentials = params.credentials;
    return new AuthenticationError(reason.replyText, 'username' in credentials ? credentials.username : undefined);
  }
  if (from === 'TUNE') {
    return new ConnectionClosedError(
      reason,
      `the broker refused virtual host "${params.virtualHost}": ${reason.replyCode} ${reason.replyText}`,
    );
  }
  return new ConnectionClosedError(reason);
}

/** reply-text is a short string: at most 255 bytes on the wire (cut on a byte boundary, then decoded). */
export function shortReplyText(text: string): string {
  return Buffer.byteLength(text) > 255 ? Buffer.from(text).subarray(0, 255).toString() : text;
}
