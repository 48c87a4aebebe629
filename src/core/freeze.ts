/**
 * Deep freeze for validated data (manifest step plans): a plan is validated once, at load, and
 * then trusted without re-checking, so nothing may change it after the check.
 */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !ArrayBuffer.isView(value) && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
