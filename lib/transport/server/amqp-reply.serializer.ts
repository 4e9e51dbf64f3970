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
      return { ...packet, response: record.data, ...(record.options === undefined ? {} : { options: record.options }) };
    }
    return packet;
  }
}
