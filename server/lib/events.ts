/**
 * In-process fan-out of changes to the clients of one organisation (the /api/events stream).
 */
export type AppEvent =
  | { type: 'message.created'; data: unknown }
  | { type: 'message.updated'; data: unknown }
  | { type: 'candidate.updated'; data: unknown }
  | { type: 'candidates.updated'; data: { ids: string[] } }
  | { type: 'campaign.updated'; data: unknown }
  | { type: 'booking.created'; data: unknown };

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
