export * from './errors.js';
export * from './dtype.js';
export * from './geometry.js';
export * from './volume.js';
