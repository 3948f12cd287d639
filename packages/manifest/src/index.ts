export { errnoValue, runActions } from './actions.js';
export { canonicalManifest } from './canonical.js';
export { crossCheckManifests } from './cross-check.js';
export { manifestFromModule, MODINFO_FIELDS, MODINFO_PREFIX, REPLACE_SET_TAG } from './from-module.js';
export { manifestMetadata, normalObjects, parseFunctionRef, VMLINUX } from './normalize.js';
export { loadManifestFile, manifestFromText, parseManifest } from './parse.js';
export { isWellFormed } from './plain-data.js';
export {
  ActionSchema,
  FunctionSchema,
  MANIFEST_KEYS,
  ObjectCallbacksSchema,
  ObjectSchema,
  PatchManifestSchema,
  ScopedCallbacksSchema,
} from './schema.js';
export { kernelFunctionsOf, manifestModule, moduleFunctionsOf, patchDefinition } from './to-module.js';

export type { ActionHost } from './actions.js';
export type { Mismatch } from './cross-check.js';
export type { ModuleFacts } from './from-module.js';
export type { NormalFunction, NormalObject } from './normalize.js';
export type {
  Action,
  ManifestFunction,
  ManifestObject,
  ObjectCallbacksSpec,
  PatchManifest,
  ScopedCallbacksSpec,
} from './schema.js';
