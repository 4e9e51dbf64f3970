/**
 * The one promise every basic.publish returns when the socket took its frames at once, without
 * confirms and under the high-water mark: already fulfilled, made once, so the hot path allocates
 * nothing for it. A caller that sees it knows the publish is written and needs neither a rejection
 * handler nor an `await` per message.
 */
export const PUBLISH_WRITTEN: Promise<void> = Promise.resolve();

/** True when `published` is {@link PUBLISH_WRITTEN}: written at once, nothing left to wait for. */
export function isPublishWritten(published: Promise<unknown>): boolean {
  return published === PUBLISH_WRITTEN;
}
