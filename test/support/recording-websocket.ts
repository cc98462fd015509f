import WebSocket from 'ws';
import type { SocketConstructor } from '@wikicast/client';

/** The `ws` class for the client library, recording the id of every `event` frame before the library sees it (duplicates included). */
export function recordingWebSocket(wireIds: string[]): SocketConstructor {
  class RecordingWebSocket extends WebSocket {
    constructor(url: string) {
      super(url);
      this.on('message', (data: Buffer) => {
        const frame = JSON.parse(data.toString('utf8')) as { op?: string; id?: string };
        if (frame.op === 'event' && typeof frame.id === 'string') wireIds.push(frame.id);
      });
    }
  }
  return RecordingWebSocket as unknown as SocketConstructor;
}
