/** Python's round() / numpy.round: ties go to the even integer (round(2.5) = 2); never -0. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // Math.round sends ties up; step back when that landed on an odd integer.
  const even = Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  return even + 0;
}
