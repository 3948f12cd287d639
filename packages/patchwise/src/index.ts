/**
 * What a project imports to write its own policies and configs. Each name comes from its scoped
 * package (usable on its own); this list is the stable surface, so adding a package here is one line.
 */
export { definePolicy, renderMessage } from '@patchwise/policy';
export { defineConfig } from '@patchwise/config';
/** The zod a policy's options schema is written with (the same major version patchwise validates with). */
export { z } from 'zod';

export type {
  Decision,
  Finding,
  GateContext,
  NopList,
  PatchInfo,
  PolicyContext,
  PolicyDefinition,
  PolicyFinding,
  PolicyGate,
  PolicyHooks,
  PolicyMeta,
  PolicyReport,
  Policy,
  PostPatchEvent,
  PostUnpatchEvent,
  PrePatchContext,
  PreUnpatchContext,
  ReplaceContext,
  Severity,
  TransitionEvent,
} from '@patchwise/policy';
export type { PatchwiseConfig, PluginSetting } from '@patchwise/config';
export type { PatchManifest } from '@patchwise/manifest';
