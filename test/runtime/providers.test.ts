import { describe, expect, it } from 'vitest';
import { parseProviderChoice, UsageError } from '../../src/index.js';
import { planProviders } from '../../src/runtime/providers.js';

describe('provider planning', () => {
  const nodeOrder = ['cuda', 'cpu'] as const;

  it("expands 'auto' into the platform order with fallback", () => {
    expect(planProviders('auto', nodeOrder)).toEqual({ candidates: ['cuda', 'cpu'], fallback: true });
    expect(planProviders('auto', ['webgpu', 'wasm'])).toEqual({ candidates: ['webgpu', 'wasm'], fallback: true });
  });

  it('keeps a single provider strict unless fallback is allowed', () => {
    expect(planProviders('cuda', nodeOrder)).toEqual({ candidates: ['cuda'], fallback: false });
    expect(planProviders('webgpu', nodeOrder, true)).toEqual({ candidates: ['webgpu', 'cuda', 'cpu'], fallback: true });
  });

  it('keeps list order and removes duplicates', () => {
    expect(planProviders(['webgpu', 'cpu', 'webgpu'], nodeOrder)).toEqual({ candidates: ['webgpu', 'cpu'], fallback: true });
  });

  it('rejects unknown providers and empty lists with a usage error naming the value', () => {
    expect(() => planProviders('tpu' as never, nodeOrder)).toThrow(/unknown execution provider 'tpu'/);
    expect(() => planProviders([], nodeOrder)).toThrow(UsageError);
  });

  it('parses CLI strings', () => {
    expect(parseProviderChoice('auto')).toBe('auto');
    expect(parseProviderChoice('cpu')).toBe('cpu');
    expect(parseProviderChoice('cuda, cpu')).toEqual(['cuda', 'cpu']);
    expect(() => parseProviderChoice('gpu')).toThrow(UsageError);
  });
});
