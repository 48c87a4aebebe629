/**
 * sRGB (0-255) -> CIELab -> the scaled 16-bit form of RecommendedDisplayCIELabValue
 * (PS3.3 C.10.7.1.1, scaled as ICC v4 does: L* 0..100 -> 0..65535, a* / b* -128..127 ->
 * 0..65535). sRGB is linearised with its transfer function and taken to XYZ with the D65 white
 * point, as PixelMed / dcmqi do, so viewers that convert back show the intended colour.
 */
import { UsageError } from '../../core/errors.js';

const WHITE_D65 = [0.95047, 1.0, 1.08883] as const;

function linear(c: number): number {
  const v = c / 255;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}

function f(t: number): number {
  const d = 6 / 29;
  return t > d ** 3 ? Math.cbrt(t) : t / (3 * d * d) + 4 / 29;
}

/** CIELab (L* 0..100, a*, b*) of an sRGB colour. */
export function srgbToCielab(rgb: readonly [number, number, number]): [number, number, number] {
  if (!rgb.every((c) => Number.isFinite(c) && c >= 0 && c <= 255))
    throw new UsageError(`colour [${rgb.join(', ')}] must be three numbers 0..255`, { field: 'color' });
  const [r, g, b] = rgb.map(linear) as [number, number, number];
  const x = 0.4124564 * r + 0.3575761 * g + 0.1804375 * b;
  const y = 0.2126729 * r + 0.7151522 * g + 0.072175 * b;
  const z = 0.0193339 * r + 0.119192 * g + 0.9503041 * b;
  const fx = f(x / WHITE_D65[0]);
  const fy = f(y / WHITE_D65[1]);
  const fz = f(z / WHITE_D65[2]);
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

/** The three US values of RecommendedDisplayCIELabValue for an sRGB colour. */
export function srgbToDicomLab(rgb: readonly [number, number, number]): [number, number, number] {
  const [l, a, b] = srgbToCielab(rgb);
  const clamp = (v: number): number => Math.min(65535, Math.max(0, Math.round(v)));
  return [clamp((l * 65535) / 100), clamp(((a + 128) * 65535) / 255), clamp(((b + 128) * 65535) / 255)];
}
