export * from './types.js';
export * from './registry.js';
export * from './classification.js';
export * from './occlusion.js';
export { compileScoreSteps, type ScoreSteps } from './score-steps.js';
export { concatTensors } from './batch.js';
