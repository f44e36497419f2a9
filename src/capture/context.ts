import type { EventType, FormInfo, FrictionOptions, PrivacyOptions, TargetInfo } from '../types';

/** What a capture module may put in an event; the tracker adds the envelope. */
export interface Captured {
  name?: string;
  properties?: Record<string, unknown>;
  target?: TargetInfo;
  form?: FormInfo;
}

/**
 * Everything a capture module gets. Capture modules never import the tracker,
 * queue or transport: they only call `emit`.
 */
export interface CaptureContext {
  /** Emit an event. `element` lets stage rules test `selector` conditions. */
  emit(type: EventType, data: Captured, element?: Element | null): void;
  win: Window;
  doc: Document;
  privacy: PrivacyOptions;
  friction: FrictionOptions;
  /** Scrub a URL the way every URL leaving the page is scrubbed. */
  scrub(url: string): string;
  /** Called on each SPA route change (after the new page_view is decided), with old and new URL. */
  onRoute(listener: (from: string, to: string) => void): () => void;
  /** Called once when the page is being left (pagehide or tab hidden), before the exit flush. */
  onLeave(listener: () => void): () => void;
  /** Current time in ms (injectable clock). */
  now(): number;
  /** Id of the current page view (the `context.pageViewId` stamped on events), once there is one. */
  pageViewId?(): string | undefined;
  /**
   * Optional: register a function the tracker calls right before it captures
   * any event other than `page_view` (including `track`/`identify`), and before
   * the `onLeave` listeners run. The page-view module uses it to send a pending
   * (still settling) page view first, so every page's page view comes before
   * its other events and before `form_abandon`/`page_leave` of the route left.
   */
  beforeEvent?(listener: () => void): () => void;
  /** Optional: log a debug message (only when `debug` is on), e.g. why the vitals chunk did not load. */
  debug?(message: string, data?: unknown): void;
}

/** A capture module: starts listening, returns a function that undoes everything. */
export type CaptureModule = (ctx: CaptureContext) => () => void;
