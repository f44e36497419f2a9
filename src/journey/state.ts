import type { Journey } from '../types';

/** The persisted journey: `v` is the time of the last change, so tabs keep the newest. */
export interface JourneyState extends Journey {
  v: number;
}

/** The visitor's journey: current stage, furthest stage and history, shared by tabs. */
export interface JourneyStore {
  /** A copy, answered synchronously from memory. */
  get(): Journey;
  /** Move the current stage; returns the previous stage when it changed, undefined otherwise. */
  apply(stage: string, rule: string, at: number): { from: string | null } | undefined;
  /** Take another tab's (or the stored) state when it is newer. */
  adopt(s: unknown): void;
  reset(): void;
}

/** Most history entries kept (oldest go first). */
export const HISTORY_MAX = 100;

const empty = (): JourneyState => ({ stage: null, furthest: null, history: [], v: 0 });

/** Create the journey store; `save` persists and tells other tabs. */
export function createJourney(order: string[], save: (s: JourneyState) => void): JourneyStore {
  let s = empty();
  return {
    get: () => ({ stage: s.stage, furthest: s.furthest, history: s.history.map((h) => ({ ...h })) }),
    apply(stage, rule, at) {
      if (s.stage === stage) return undefined;
      const from = s.stage;
      const further = s.furthest == null || order.indexOf(stage) > order.indexOf(s.furthest);
      s = {
        stage,
        furthest: further ? stage : s.furthest,
        history: [...s.history, { stage, at: new Date(at).toISOString(), rule }].slice(-HISTORY_MAX),
        v: Math.max(at, s.v + 1),
      };
      save(s);
      return { from };
    },
    adopt(x) {
      const n = x as JourneyState;
      if (n && typeof n.v === 'number' && Array.isArray(n.history) && n.v > s.v) s = n;
    },
    reset() {
      s = empty();
    },
  };
}
