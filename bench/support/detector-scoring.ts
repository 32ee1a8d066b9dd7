// Scores a detector's flags against labelled windows, event by event: an alarm is a run of consecutive
// flagged points; it is a true positive when it overlaps a labelled anomaly (a level shift until a rolling
// baseline catches up), a false one otherwise. Recall
// counts windows with an alarm inside; the delay is the points from a window's start to its first flag.
import type { LabelledWindow } from './synthetic-series';

export interface DetectionScore {
  alarms: number;
  truePositiveAlarms: number;
  windows: number;
  detectedWindows: number;
  /** Points from each detected window's start to its first flagged point. */
  delays: number[];
}

/** Flags before `from` are ignored (the detector's probation: it has no history to judge by yet). */
export function scoreDetections(flags: boolean[], labels: LabelledWindow[], from = 0): DetectionScore {
  const score: DetectionScore = { alarms: 0, truePositiveAlarms: 0, windows: labels.length, detectedWindows: 0, delays: [] };
  let index = from;
  while (index < flags.length) {
    if (!flags[index]) {
      index++;
      continue;
    }
    const start = index;
    while (index < flags.length && flags[index]) index++;
    score.alarms++;
    if (labels.some((label) => start < label.affectedEnd && index > label.start)) score.truePositiveAlarms++;
  }
  for (const label of labels) {
    for (let position = Math.max(label.start, from); position < Math.min(label.end, flags.length); position++) {
      if (flags[position]) {
        score.detectedWindows++;
        score.delays.push(position - label.start);
        break;
      }
    }
  }
  return score;
}

export function combineScores(scores: DetectionScore[]): DetectionScore {
  return scores.reduce(
    (total, score) => ({
      alarms: total.alarms + score.alarms,
      truePositiveAlarms: total.truePositiveAlarms + score.truePositiveAlarms,
      windows: total.windows + score.windows,
      detectedWindows: total.detectedWindows + score.detectedWindows,
      delays: [...total.delays, ...score.delays],
    }),
    { alarms: 0, truePositiveAlarms: 0, windows: 0, detectedWindows: 0, delays: [] },
  );
}

export function precisionOf(score: DetectionScore): number {
  return score.alarms === 0 ? 1 : score.truePositiveAlarms / score.alarms;
}

export function recallOf(score: DetectionScore): number {
  return score.windows === 0 ? 1 : score.detectedWindows / score.windows;
}
