/**
 * Is the peer an AMQP 0-9-1 broker at all? Decided from its first bytes, before the frame parser
 * would report "invalid frame type 72" for an HTTP server: an AMQP broker's first bytes are either a
 * method frame on channel 0 (01 00 00, connection.start) or, refusing our version, a protocol header
 * ("AMQP"). Anything else is a peer of another protocol, named with the printable start of what it
 * sent.
 */

/** How many of the peer's first bytes are kept to decide and to quote. */
export const GREETING_BYTES = 12;

const AMQP = [0x41, 0x4d, 0x51, 0x50];

/**
 * 'amqp' when `first` (the stream's first bytes, however few) can still be an AMQP broker's
 * greeting, 'other' once it cannot.
 */
export function greetingVerdict(first: Buffer): 'amqp' | 'other' {
  const b0 = first[0];
  if (b0 === 0x01) {
    for (let i = 1; i < Math.min(first.length, 3); i++) if (first[i] !== 0) return 'other';
    return 'amqp';
  }
  if (b0 === 0x41) {
    for (let i = 1; i < Math.min(first.length, 4); i++) if (first[i] !== AMQP[i]) return 'other';
    return 'amqp';
  }
  return 'other';
}

/** The bytes as printable text: ASCII kept, quote, backslash and the rest escaped; cut at a line end. */
export function printablePrefix(bytes: Buffer): string {
  let out = '';
  for (let i = 0; i < Math.min(bytes.length, GREETING_BYTES); i++) {
    const b = bytes[i] as number;
    if (b === 0x0d || b === 0x0a) break;
    if (b >= 0x20 && b < 0x7f && b !== 0x27 && b !== 0x5c) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return out;
}
