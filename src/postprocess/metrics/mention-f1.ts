/**
 * Report-labelling F1 as the bundled report model's metric defines it: for every observation and
 * every mention status (positive 1, negative 0, uncertain -1) present in the truth, the binary F1
 * of "truth is that status" vs "prediction is that status"; macro-F1 is their mean. Blank (null,
 * not mentioned) is not scored, as CheXpert labeler evaluations do.
 */
export type MentionCode = 1 | 0 | -1 | null;

export interface MentionF1Pair {
  readonly observation: number;
  readonly code: 1 | 0 | -1;
  readonly f1: number;
  /** Reports whose truth has this status for this observation. */
  readonly support: number;
}

export function computeMentionF1(
  truth: readonly (readonly MentionCode[])[],
  predicted: readonly (readonly MentionCode[])[],
  observations: number,
): { pairs: MentionF1Pair[]; macroF1: number } {
  const pairs: MentionF1Pair[] = [];
  for (let o = 0; o < observations; o++) {
    for (const code of [1, 0, -1] as const) {
      let tp = 0;
      let fp = 0;
      let fn = 0;
      truth.forEach((t, r) => {
        const isT = t[o] === code;
        const isP = predicted[r]![o] === code;
        if (isT && isP) tp++;
        else if (isP) fp++;
        else if (isT) fn++;
      });
      if (tp + fn > 0) pairs.push({ observation: o, code, f1: tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn), support: tp + fn });
    }
  }
  const macroF1 = pairs.length === 0 ? 0 : pairs.reduce((a, p) => a + p.f1, 0) / pairs.length;
  return { pairs, macroF1 };
}
