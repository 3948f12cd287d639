/**
 * Every finding `vendor-tags` reports: the message id is the finding's stable code. Placeholders
 * ending in `Text` are the same facts as the structured data, written for people.
 */
export const messages = {
  // Signatures: is the vendor claim proven?
  'signature-missing': "'{{patch}}' ({{vendorText}}) is not signed, and `signatures` is `required`",
  'signature-wrong-vendor': "'{{patch}}' {{claimText}}, but its manifest is signed with the key of vendor `{{signer}}`",
  'signature-invalid': "the signature of '{{patch}}' (vendor `{{vendor}}`) does not cover it: {{reason}}",
  'vendor-unknown': "'{{patch}}' {{claimText}}, and `keys` holds no key for it: the claim cannot be verified (`signatures` is `{{signatures}}`)",

  // sameFunction: who may share a function.
  'function-vendor-mismatch':
    "'{{patch}}' (vendor `{{vendor}}`) patches {{functionText}}, already patched by '{{other}}' ({{otherVendorText}}): with `sameFunction: same-vendor`, only patches of one vendor share a function",
  'function-vendor-missing':
    "'{{patch}}' declares no vendor and patches {{functionText}}, already patched by '{{other}}' ({{otherVendorText}}): with `sameFunction: same-vendor`, a patch without a vendor shares no function",
  'function-already-patched':
    "'{{patch}}' patches {{functionText}}, already patched by '{{other}}' ({{otherVendorText}}): with `sameFunction: deny`, a function has at most one enabled patch",

  // replace: whom an atomic-replace patch may replace, and replace sets.
  'replace-vendor-mismatch':
    "'{{patch}}' (vendor `{{vendor}}`) would replace {{replacedText}}: with `replace: same-vendor`, an atomic-replace patch replaces only patches of its own vendor",
  'replace-vendor-missing':
    "'{{patch}}' declares no vendor, so with `replace: same-vendor` it may replace no patch, but it would replace {{replacedText}}",
  'replace-set-mismatch':
    "'{{patch}}' (replace set `{{set}}`) would replace {{replacedText}}: with `replace: same-set`, an atomic-replace patch replaces only patches of its own replace set",
  'replace-set-missing':
    "'{{patch}}' has no `{{prefix}}` tag, so with `replace: same-set` it may replace no patch, but it would replace {{replacedText}}",
  'replace-set-invalid':
    "'{{patch}}' carries {{tagText}}: a patch belongs to at most one replace set, tagged `{{prefix}}<name>` with a non-empty name",
  'function-set-mismatch':
    "'{{patch}}' ({{setText}}) patches {{functionText}}, already patched by '{{other}}' ({{otherSetText}}): with `replace: same-set`, patches of different replace sets never patch the same function",

  // Tag rules.
  'required-tag-missing': "'{{patch}}' is tagged `{{tag}}`, which requires an enabled patch tagged `{{required}}`, and none would be enabled",
  'required-tag-removed': "disabling '{{patch}}' would leave no enabled patch tagged `{{required}}`, required by {{dependentText}}",
  'conflicting-tag': "'{{patch}}' is tagged `{{tag}}`, which conflicts with `{{otherTag}}` carried by '{{other}}'",
} as const;

export type MessageId = keyof typeof messages;
