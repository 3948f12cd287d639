/**
 * The findings' message templates; each key is a finding's stable code. Every template names the
 * patch concerned; `data.patches` lists every patch involved. As in the kernel's log and the core,
 * patch names are in single quotes (`'base'`); values, options, ranges, fields, lineages and names as
 * written in `requires` or `conflicts` are in backticks.
 */
export const messages = {
  'invalid-field': "patch '{{patch}}': `{{field}}` is not a valid {{expected}}: `{{value}}` ({{reason}})",
  'missing-version': "patch '{{patch}}' has no `version`, and option `requireVersion` is on",
  'kernel-mismatch': "patch '{{patch}}' is built for kernels `{{range}}`, not for the running kernel `{{release}}`",
  'unknown-kernel-release':
    "patch '{{patch}}' is built for kernels `{{range}}`, but the running kernel release `{{release}}` cannot be read as a kernel release",
  'unmet-requirement': "patch '{{patch}}' requires `{{requirement}} {{range}}`, but {{found}}",
  conflict: "patches '{{patch}}' and '{{other}}' conflict: '{{declaredBy}}' declares a conflict with `{{name}} {{range}}`, and {{match}}",
  'required-by': "patch '{{patch}}' is required by '{{dependent}}' (`{{requirement}} {{range}}`), and no other enabled patch satisfies that",
  'requires-replaced':
    "patch '{{patch}}' requires `{{requirement}} {{range}}`, which only {{satisfiedBy}} satisfies, and the atomic replace removes every installed patch",
  downgrade: "atomic replace by '{{patch}}' {{to}} would downgrade lineage `{{lineage}}` from '{{replacedPatch}}' {{from}}",
} as const;

export type MessageId = keyof typeof messages;
