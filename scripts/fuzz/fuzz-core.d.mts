export interface FuzzSource { name: string; ext?: string; bytes: Uint8Array }
export interface FuzzResult { outcome: string; detail?: string }
export interface FuzzTarget { extension: string; run(bytes: Uint8Array, name: string, ext: string, src?: FuzzSource): Promise<FuzzResult> }
export function createRandom(seed: number): () => number;
export function caseRandom(seed: number, c: number): () => number;
export function mutate(bytes: Uint8Array, rnd: () => number): { bytes: Uint8Array; kind: string };
export function createTargets(sdk: Record<string, unknown>): Record<string, FuzzTarget>;
export const FAILURE_OUTCOMES: Set<string>;
export function runCases(options: { target: FuzzTarget; targetName: string; sources: readonly FuzzSource[]; seed: number; start?: number; count: number; onCase?: (c: number) => void }): Promise<{ counts: Record<string, number>; failures: { case: number; name: string; source: string; kind: string; outcome: string; detail?: string; bytes: Uint8Array }[] }>;
export function createInspectRunner(main: (argv: string[], ctx: { out(t: string): void; err(t: string): void; cwd: string; env: Record<string, string | undefined>; isTTY: boolean }) => Promise<number>, scratch: string): (bytes: Uint8Array, name: string, ext: string) => Promise<{ code: number; stdout: string; stderr: string }>;
