export * from './errors.js';
export * from './dtype.js';
export * from './geometry.js';
export * from './volume.js';
export { configureKernelThreads, kernelThreads, THREAD_CROSSOVER_VOXELS, type KernelThreadOptions } from './threads/slab-pool.js';
