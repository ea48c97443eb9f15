/**
 * In-process fan-out of changes to the clients of one organisation (the /api/events stream).
 */
import type { ServerEventInput } from '../../shared/contract/index.js';

/** An event as services publish it: its payload typed by the contract (shared/contract/events.ts). */
export type AppEvent = Exclude<ServerEventInput, { type: 'ready' }>;

type Listener = (event: AppEvent) => void;

export class EventBus {
  private listeners = new Map<number, Set<Listener>>();

  subscribe(orgId: number, listener: Listener): () => void {
    let set = this.listeners.get(orgId);
    if (!set) this.listeners.set(orgId, (set = new Set()));
    set.add(listener);
    return () => {
      set!.delete(listener);
      if (!set!.size) this.listeners.delete(orgId);
    };
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

  subscriberCount(orgId: number): number {
    return this.listeners.get(orgId)?.size ?? 0;
  }
}
