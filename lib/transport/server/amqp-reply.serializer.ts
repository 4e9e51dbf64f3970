import { RmqRecord, type OutgoingResponse, type RmqRecordOptions, type Serializer } from '@nestjs/microservices';

/** A reply as this serializer hands it to the server: the packet, plus AMQP options when a record asked for them. */
export type SerializedReply = OutgoingResponse & { options?: RmqRecordOptions };

/**
 * The default reply serializer: Nest's RmqRecordSerializer contract (an `RmqRecord` becomes its data
 * plus `options`), extended to replies, so a handler can return
 * `new RmqRecordBuilder(value).setOptions({ headers, priority }).build()` and the reply carries them.
 */
export class AmqpReplySerializer implements Serializer<OutgoingResponse, SerializedReply> {
  serialize(packet: OutgoingResponse): SerializedReply {
    const response: unknown = packet.response;
    if (response instanceof RmqRecord) {
      const record = response as RmqRecord<unknown>;
      // Not `{ ...packet, options }`: a hidden class per reply (see the client's AmqpRecordSerializer).
      const reply = Object.assign({}, packet) as SerializedReply;
      reply.response = record.data;
      if (record.options !== undefined) reply.options = record.options;
      return reply;
    }
    return packet;
  }
}
