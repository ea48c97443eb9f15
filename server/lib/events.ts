/**
 * In-process fan-out of changes to the clients of one organisation (the /api/events stream).
 */
import type { ServerEventInput } from '../../shared/contract/index.js';

/** An event as services publish it: its payload typed by the contract (shared/contract/events.ts). */
export type AppEvent = Exclude<ServerEventInput, { type: 'ready' }>;

type Listener = (event: AppEvent) => void;

export class EventBus {
  private listeners = new Map<number, Set<Listener>>();
  private enders = new Set<() => void>();

  /** `end` is called when the server closes every stream (shutting down, or events may have been lost). */
  subscribe(orgId: number, listener: Listener, end?: () => void): () => void {
    let set = this.listeners.get(orgId);
    if (!set) this.listeners.set(orgId, (set = new Set()));
    set.add(listener);
    if (end) this.enders.add(end);
    return () => {
      set!.delete(listener);
      if (end) this.enders.delete(end);
      if (!set!.size) this.listeners.delete(orgId);
    };
  }

  /** Ends every stream: its client reconnects and reads the state afresh, so it misses nothing. */
  endAll(): void {
    for (const end of [...this.enders]) end();
  }

  publish(orgId: number, event: AppEvent): void {
    for (const listener of this.listeners.get(orgId) ?? []) {
      try {
        listener(event);
      } catch {
        // One broken stream must not stop the others.
      }
    }
  }

  /** The organisations with a stream open here. */
  organizations(): number[] {
    return [...this.listeners.keys()];
  }

  subscriberCount(orgId: number): number {
    return this.listeners.get(orgId)?.size ?? 0;
  }
}
