import type { JourneyState } from './journey/state';
import { guarded } from './lib/guard';

/** What tabs of one site tell each other. */
export type TabMessage =
  /** Keys another tab is sending (`inflight`) or has finished with (`done`): never beacon those. */
  | { q: 'inflight' | 'done'; k: string[] }
  /** The journey changed in another tab. */
  | { j: JourneyState };

/** The channel between this site's tabs (BroadcastChannel), quiet while `enabled()` is false. */
export interface Tabs {
  post(message: TabMessage): void;
  close(): void;
}

/** Open the channel; `receive` gets every other tab's message. */
export function createTabs(enabled: () => boolean, receive: (message: TabMessage) => void): Tabs {
  const channel = typeof BroadcastChannel === 'undefined' ? undefined : new BroadcastChannel('waymark:v1');
  if (channel)
    channel.onmessage = guarded((event: MessageEvent) => {
      if (enabled() && event.data && typeof event.data === 'object') receive(event.data as TabMessage);
    });
  return {
    post(message) {
      try {
        if (enabled()) channel?.postMessage(message);
      } catch {
        /* closed */
      }
    },
    close: () => channel?.close(),
  };
}
