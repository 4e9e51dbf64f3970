/**
 * The one place that knows Nest 11 and Nest 12 apart. The rest of the Nest layer imports these and
 * never checks a version: what both majors share is the default path, and where Nest 12 offers more
 * (hooks run by the server itself, dispatch hooks on the client) it is used when present.
 */
export { AmqpRequestDeserializer } from './incoming-request.deserializer.js';
export { createPacket, NEST_CREATES_PACKETS } from './nest-client.compat.js';
export { handleRequest, NEST_RUNS_PROCESSING_HOOKS, runsPlainNestPlumbing, runWithProcessingHooks } from './nest-server.compat.js';
export { isNestEnvelope } from './incoming-request.deserializer.js';
