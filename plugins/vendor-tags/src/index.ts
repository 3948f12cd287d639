export { vendorTags as default, vendorTags } from './policy.js';
export { generateVendorKeys, parsePublicKey, signManifest, verifyManifest } from './keys.js';
export { messages } from './messages.js';
export { defaults, optionsSchema, permissiveOptions } from './options.js';
export { replaceSetOf, tagsOf, vendorOf } from './patch-facts.js';

export type { VendorKeys } from './keys.js';
export type { MessageId } from './messages.js';
export type { VendorTagsOptions } from './options.js';
export type { ReplaceSet } from './patch-facts.js';
