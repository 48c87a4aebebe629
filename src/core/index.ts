export * from './errors.js';
export * from './dtype.js';
export * from './geometry.js';
export * from './volume.js';
export * from './tensor.js';
export { toFloat16Bits, fromFloat16Bits } from './float16.js';
export { configureKernelThreads, kernelThreads, THREAD_CROSSOVER_VOXELS, type KernelThreadOptions } from './threads/slab-pool.js';
