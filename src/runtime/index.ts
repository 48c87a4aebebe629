export * from './providers.js';
export * from './tensor.js';
export * from './checksum.js';
export * from './backend.js';
export * from './io-check.js';
export * from './model-session.js';
export * from './session-cache.js';
export * from './open-model.js';
