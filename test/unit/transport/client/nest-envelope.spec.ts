import { describe, it, expect } from '@jest/globals';
import { NO_MESSAGE_HANDLER as NEST_NO_MESSAGE_HANDLER } from '@nestjs/microservices/constants.js';
// Nest's root entry loads reflect-metadata first; a deep import does not. Deep, because Nest 11
// does not export it from the package root.
import 'reflect-metadata';
import { IncomingResponseDeserializer } from '@nestjs/microservices/deserializers/incoming-response.deserializer.js';
import {
  NO_MESSAGE_HANDLER,
  encodeEnvelope,
  isEventPacket,
  isReplyPacket,
  isRequestPacket,
  metadataToHeaders,
  noHandlerReply,
  parseEnvelopeBody,
  patternToString,
} from '../../../../lib/transport/publish/nest-envelope.js';

describe('Nest RMQ envelope', () => {
  it('uses the exact no-handler text of the installed Nest', () => {
    expect(NO_MESSAGE_HANDLER).toBe(NEST_NO_MESSAGE_HANDLER);
  });

  it('makes a no-handler reply that Nest clients treat as a final error', () => {
    const reply = noHandlerReply('id-1');
    expect(reply).toEqual({ id: 'id-1', err: NEST_NO_MESSAGE_HANDLER, status: 'error', isDisposed: true });
    // Nest's own client deserializer must see it as an envelope, not as a foreign payload.
    const seen = new IncomingResponseDeserializer().deserialize(reply) as { err?: unknown; response?: unknown };
    expect(seen.err).toBe(NEST_NO_MESSAGE_HANDLER);
    expect(seen.response).toBeUndefined();
  });

  it('round-trips a request envelope as JSON', () => {
    const request = { pattern: { cmd: 'sum' }, data: [1, 2], id: 'abc' };
    const parsed = parseEnvelopeBody(encodeEnvelope(request));
    expect(parsed).toEqual(request);
    expect(isRequestPacket(parsed)).toBe(true);
    expect(isEventPacket(parsed)).toBe(true);
  });

  it('tells events, requests, replies and foreign bodies apart', () => {
    expect(isRequestPacket({ pattern: 'a', data: 1 })).toBe(false);
    expect(isEventPacket({ pattern: 'a', data: 1 })).toBe(true);
    expect(isEventPacket({ data: 1 })).toBe(false);
    expect(isEventPacket('text')).toBe(false);
    expect(isReplyPacket({ response: 3, isDisposed: true })).toBe(true);
    expect(isReplyPacket({ response: 3, extra: true })).toBe(false);
    expect(isReplyPacket({})).toBe(false);
  });

  it('reads a body that is not JSON as its text, as Nest does', () => {
    expect(parseEnvelopeBody(Buffer.from('plain words'))).toBe('plain words');
  });

  it('turns patterns into strings as Nest servers do', () => {
    expect(patternToString('orders.created')).toBe('orders.created');
    expect(patternToString({ cmd: 'sum' })).toBe('{"cmd":"sum"}');
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(patternToString(cyclic)).toBe('[UNSERIALIZABLE_PATTERN]');
  });

  it('copies string metadata into headers without dropping existing ones', () => {
    const headers = metadataToHeaders({ traceparent: '00-abc-01', tenant: 't1' }, { existing: 1 });
    expect(headers).toEqual({ existing: 1, traceparent: '00-abc-01', tenant: 't1' });
    expect(metadataToHeaders(undefined)).toEqual({});
  });
});
