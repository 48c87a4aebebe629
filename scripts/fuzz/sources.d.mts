import type { FuzzSource } from './fuzz-core.mjs';
export function dicomSources(): FuzzSource[];
export function niftiSources(): FuzzSource[];
export function inspectSources(): FuzzSource[];
export function segSeriesSources(): FuzzSource[];
export const MULTIPART_BOUNDARY: string;
export function multipartSources(): FuzzSource[];
