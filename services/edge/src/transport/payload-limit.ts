import { EdgeError } from '../edge-error.js';

/**
 * uWS's own `maxPayloadLength` is this many times the edge's limit. uWS ends a connection whose
 * frame passes its limit abruptly (1006, no close frame, no reason for the client), so the edge
 * checks the documented limit itself and answers `payload_too_large` with close 1009; only frames
 * this much larger are still cut off by uWS, which bounds what one frame can make the edge buffer.
 */
export const UWS_PAYLOAD_FACTOR = 4;

/** The close message uWS reports to the close handler when it cut a too-big frame off. */
const UWS_TOO_BIG_MESSAGE = 'Received too big message';

export function uwsPayloadLength(maxPayloadBytes: number): number {
  return maxPayloadBytes * UWS_PAYLOAD_FACTOR;
}

/** The refusal for a frame over the limit (error frame, then close 1009), or `null` if it fits. */
export function payloadRefusal(byteLength: number, maxPayloadBytes: number): EdgeError<'payload_too_large'> | null {
  if (byteLength <= maxPayloadBytes) return null;
  return new EdgeError('payload_too_large', `frame of ${byteLength} bytes; at most ${maxPayloadBytes} are accepted`);
}

/** Whether uWS closed the connection itself because a frame passed its `maxPayloadLength`. */
export function cutOffAsTooBig(code: number, message: ArrayBuffer): boolean {
  return code === 1006 && Buffer.from(message).toString('utf8') === UWS_TOO_BIG_MESSAGE;
}
