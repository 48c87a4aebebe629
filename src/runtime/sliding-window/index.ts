export * from './placement.js';
export * from './importance.js';
export * from './sliding-window.js';
