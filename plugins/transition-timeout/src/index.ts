export { defaults, optionsSchema, transitionTimeout, transitionTimeout as default } from './policy.js';

export type { TransitionTimeoutOptions } from './policy.js';
