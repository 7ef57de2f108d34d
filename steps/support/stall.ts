/**
 * "The transfer stalled": after the first sign of progress, no progress for a quiet period. This is how a
 * flow-control scenario knows back-pressure has reached the sender; it waits on timeline events, and the quiet
 * period is the definition of a stall, not a guess at how long something takes. Bounded by maxMs.
 */
import type { TimelineEvent } from '../../harness/timeline/event';
import type { Timeline } from '../../harness/timeline/timeline';

export interface StallOptions {
  isProgress(e: TimelineEvent): boolean;
  /** The transfer is over (finished or broken): stop waiting. */
  isDone(e: TimelineEvent): boolean;
  quietMs?: number;
  /** How long to wait for the first progress before calling it stalled at zero. */
  startMs?: number;
  maxMs?: number;
}

/** Resolves 'stalled', 'done' or 'max' (the bound was reached while progress continued). */
export function waitForStall(timeline: Timeline, opts: StallOptions): Promise<'stalled' | 'done' | 'max'> {
  const quietMs = opts.quietMs ?? 500;
  const maxMs = opts.maxMs ?? 20_000;
  return new Promise((resolve) => {
    let quiet: NodeJS.Timeout | undefined;
    const finish = (how: 'stalled' | 'done' | 'max') => {
      clearTimeout(quiet);
      clearTimeout(bound);
      unsubscribe();
      resolve(how);
    };
    const armQuiet = () => {
      clearTimeout(quiet);
      quiet = setTimeout(() => finish('stalled'), quietMs);
    };
    const bound = setTimeout(() => finish('max'), maxMs);
    quiet = setTimeout(() => finish('stalled'), opts.startMs ?? 3000);
    const unsubscribe = timeline.subscribe((e) => {
      if (opts.isDone(e)) finish('done');
      else if (opts.isProgress(e)) armQuiet();
    });
  });
}
