/**
 * Runs the injected features that belong to the current view, and runs them again after a
 * soft navigation (pushState/popstate in a single-page host, or a re-render that changes the
 * view: a new `adapter.viewKey()` or page kind). Each run gets an AbortSignal that is aborted
 * when the view changes or the extension is reloaded; features hang every listener, observer
 * and UI off it.
 */
import type { ContentScriptContext } from 'wxt/utils/content-script-context';
import type { HostAdapter, PageKind } from '../hosts/types';

export interface FeatureContext {
  adapter: HostAdapter;
  /** WXT's content script context: shadow-root UIs mount on it; it reports when the extension goes away. */
  ctx: ContentScriptContext;
}

export interface Feature {
  name: string;
  /** The views it belongs to. */
  pages: PageKind[];
  init(context: FeatureContext, signal: AbortSignal): void | Promise<void>;
}

export interface FeatureManager {
  /** The view the features last ran for (tests read it). */
  readonly view: { url: string; key: string; kind: PageKind } | null;
  /** Re-checks the view now (normally driven by DOM mutations and navigation events). */
  check(): void;
  stop(): void;
}

export function startFeatureManager(context: FeatureContext, features: Feature[], win: Window = window): FeatureManager {
  let view: { url: string; key: string; kind: PageKind } | null = null;
  let controller: AbortController | null = null;
  let scheduled = false;
  let stopped = false;

  function run() {
    scheduled = false;
    if (stopped) return;
    const kind = context.adapter.pageKind();
    // The adapter says what makes a new view: a search's page or sort kept in the query, or a
    // profile's tab kept in the hash, is a re-render the features follow themselves.
    const key = context.adapter.viewKey();
    if (view && view.key === key && view.kind === kind) return;
    controller?.abort();
    controller = new AbortController();
    view = { url: win.location.href, key, kind };
    for (const feature of features) {
      if (!feature.pages.includes(kind)) continue;
      const signal = controller.signal;
      Promise.resolve()
        .then(() => feature.init(context, signal))
        .catch((err) => console.error(`[Text Engagement] ${feature.name} failed`, err));
    }
  }

  function schedule() {
    if (scheduled || stopped) return;
    scheduled = true;
    queueMicrotask(run);
  }

  // The view can change by navigation events (where the browser reports them) or by the host
  // re-rendering without one; both end in the same cheap check.
  const observer = new MutationObserver(schedule);
  observer.observe(win.document.documentElement, { childList: true, subtree: true });
  win.addEventListener('popstate', schedule);
  const navigation = (win as Window & { navigation?: EventTarget }).navigation;
  navigation?.addEventListener('navigatesuccess', schedule);

  function stop() {
    stopped = true;
    observer.disconnect();
    win.removeEventListener('popstate', schedule);
    navigation?.removeEventListener('navigatesuccess', schedule);
    controller?.abort();
  }
  context.ctx.onInvalidated(stop);
  run();

  return {
    get view() {
      return view;
    },
    check: run,
    stop,
  };
}
