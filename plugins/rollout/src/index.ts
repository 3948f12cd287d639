export { rollout, rollout as default } from './policy.js';
export { defaults, OptionsSchema as optionsSchema } from './options.js';
export { formatDuration, parseDuration, MAX_DURATION_MS } from '@patchwise/policy';

export type { RolloutOptions } from './options.js';
export type { MessageId } from './messages.js';
