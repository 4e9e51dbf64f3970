import type { BasicProperties } from '../../protocol/index.js';

/**
 * A copy of `p` with all 14 basic properties as own keys (absent ones `undefined`), in the order the
 * engine's decoder gives them, so every copy shares one hidden class with the decoded properties.
 *
 * Why not `{ ...p, key: value }`: V8 (Node 20) gives each object a spread followed by a new key makes
 * a hidden class of its own, so the encoder's reads of the copy go megamorphic (~1.5 us per object
 * for the spread and ~2 us in the properties size pass, per RPC call). Assigning to keys the copy
 * already has keeps its class.
 * @internal
 */
export function fullProperties(p: BasicProperties): BasicProperties {
  return {
    contentType: p.contentType,
    contentEncoding: p.contentEncoding,
    headers: p.headers,
    deliveryMode: p.deliveryMode,
    priority: p.priority,
    correlationId: p.correlationId,
    replyTo: p.replyTo,
    expiration: p.expiration,
    messageId: p.messageId,
    timestamp: p.timestamp,
    type: p.type,
    userId: p.userId,
    appId: p.appId,
    clusterId: p.clusterId,
  };
}
