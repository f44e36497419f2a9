/**
 * The event pipeline: a captured event in, finished events out (ids, session,
 * acquisition touch, journey stage, plugins). No DOM and no I/O: everything it
 * needs is passed in, so it is testable from tables.
 */
import type { Identity } from './identity';
import { matchStage, type CompiledRule } from './journey/rules';
import type { JourneyStore } from './journey/state';
import { classifyTouch, isNewTouch } from './journey/touchpoints';
import { hostOf } from './lib/url';
import type { StageChange, WaymarkEvent } from './types';

/** An event as captured, with what stage rules need to see. */
export interface CapturedEvent {
  /** The envelope: id, type, name, timestamp, page, properties, target/form/traits, context. */
  event: WaymarkEvent;
  /** The element it happened on (for `selector` rules). */
  element?: Element | null;
  /** The page URL as the visitor saw it (for `query` rules and touches), and its referrer. */
  url: string;
  referrer: string;
  /** The user id when the event happened (identify() may come before the event is processed). */
  userId?: string;
}

export interface PipelineDeps {
  identity: Identity;
  journey: JourneyStore;
  rules: readonly CompiledRule[];
  /** The `beforeSend` chain: the event, changed, or null to drop it. */
  beforeSend: (event: WaymarkEvent) => WaymarkEvent | null;
  scrub: (url: string) => string;
  newId: () => string;
  /** The debug log; absent when not debugging, so no message is even built (this runs per event). */
  debug?: (msg: string, data?: unknown) => void;
}

/** What one captured event became. */
export interface Finished {
  /** Events to queue: the event (unless `beforeSend` dropped it), then its `stage_change` if any. */
  events: WaymarkEvent[];
  change?: StageChange;
  /** Set when `beforeSend` dropped the event. */
  droppedByPlugin?: boolean;
}

/** Finish one captured event. */
export function finishEvent(input: CapturedEvent, deps: PipelineDeps): Finished {
  const { event } = input;
  const at = Date.parse(event.timestamp);
  const { state, newSession } = deps.identity.tick(at);
  event.anonymousId = state.anonymousId;
  event.sessionId = state.sessionId;
  event.seq = state.seq;
  if (input.userId) event.userId = input.userId;
  attachTouch(input, newSession, deps);
  const change = applyStage(input, deps);
  const kept = deps.beforeSend(event);
  // The stage_change goes through `beforeSend` too, after the event that caused it.
  const keptChange = change && deps.beforeSend(stageChangeEvent(event, change, deps.identity.tick(at).state.seq, deps.newId()));
  return { events: [kept, keptChange].filter((e): e is WaymarkEvent => !!e), change, droppedByPlugin: !kept };
}

/** The session's acquisition touch on the event; a new campaign or referrer starts a new touch. */
function attachTouch(input: CapturedEvent, newSession: boolean, deps: PipelineDeps): void {
  const { event } = input;
  const state = deps.identity.current();
  const fresh = newSession || !state.lastTouch;
  if (fresh || (event.type === 'page_view' && isNewTouch(input.url, input.referrer, hostOf(input.url)))) {
    const touch = classifyTouch(deps.scrub(input.url), input.referrer, event.timestamp);
    // Same session, no new campaign or referrer: keep the session's touch.
    if (fresh || touch.channel !== 'direct')
      deps.identity.update({ lastTouch: touch, firstTouch: state.firstTouch ?? touch });
  }
  const { lastTouch, firstTouch } = deps.identity.current();
  const context = event.context;
  if (lastTouch) {
    context.channel = lastTouch.channel;
    if (lastTouch.campaign) context.campaign = lastTouch.campaign;
    // On every event, so a page's events share one context (wire format v2 sends it once per batch).
    context.lastTouch = lastTouch;
  }
  if (firstTouch) context.firstTouch = firstTouch;
}

/** Tag the event with its stage; returns the journey's change when a rule moved it. */
function applyStage(input: CapturedEvent, deps: PipelineDeps): StageChange | undefined {
  const { event } = input;
  const match =
    event.type === 'stage_change'
      ? null
      : matchStage(deps.rules, { event, element: input.element, url: input.url, referrer: input.referrer });
  if (!match) {
    event.stage = deps.journey.get().stage;
    return undefined;
  }
  event.stage = match.stage;
  event.stageRule = match.rule;
  deps.debug?.(`${event.type} ${event.name ?? ''} -> ${match.stage} (rule "${match.rule}")`);
  const moved = deps.journey.apply(match.stage, match.rule, Date.parse(event.timestamp));
  return moved ? { from: moved.from, to: match.stage, rule: match.rule, event } : undefined;
}

/** The `stage_change` event that follows the event which moved the journey. */
function stageChangeEvent(cause: WaymarkEvent, change: StageChange, seq: number, id: string): WaymarkEvent {
  const { name: _name, target: _target, form: _form, traits: _traits, ...rest } = cause;
  const { event: _event, ...properties } = change; // from, to, rule
  return {
    ...rest,
    id,
    type: 'stage_change',
    seq,
    properties,
    stageRule: change.rule,
    context: { ...cause.context },
  };
}
