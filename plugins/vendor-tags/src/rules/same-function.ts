/**
 * `sameFunction`: when two enabled patches may patch one function. The newest patch wins on the
 * function stack, so a second patch silently overrides the first one's fix: acceptable when one
 * vendor built and tested both, not when two vendors' patches meet by accident.
 */
import type { PatchInfo, PrePatchContext } from '@patchwise/core';
import type { PolicyReport } from '@patchwise/policy';
import type { MessageId } from '../messages.js';
import type { Settings } from '../options.js';
import { code, listText, quoted, sharersOf, vendorOf, vendorText } from '../patch-facts.js';

/**
 * Check a non-replace patch being enabled against the owners of each of its functions (an
 * atomic-replace patch coexists with none: the `replace` rule judges it).
 */
export function checkSameFunction(ctx: PrePatchContext, patch: PatchInfo, settings: Settings, report: PolicyReport<MessageId>): void {
  if (settings.sameFunction === 'any') return;
  const vendor = vendorOf(patch);
  for (const { other, functions } of sharersOf(ctx, patch)) {
    const otherVendor = vendorOf(other);
    if (settings.sameFunction === 'same-vendor' && vendor !== null && otherVendor === vendor) continue;
    const data = {
      patch: patch.name,
      other: other.name,
      patches: [patch.name, other.name],
      functions,
      vendor,
      otherVendor,
      functionText: listText(functions.map(code)),
      otherVendorText: vendorText(otherVendor),
    };
    if (settings.sameFunction === 'deny') {
      report({ messageId: 'function-already-patched', data, hint: `disable ${quoted(other.name)} first, or fold both changes into one patch` });
    } else if (vendor === null) {
      report({ messageId: 'function-vendor-missing', data, hint: `declare \`vendor\` in the manifest of ${quoted(patch.name)}` });
    } else if (otherVendor !== vendor) {
      report({
        messageId: 'function-vendor-mismatch',
        data,
        hint:
          otherVendor === null
            ? `disable ${quoted(other.name)} first, or declare its \`vendor\``
            : `have vendor ${code(otherVendor)} ship this change, or disable ${quoted(other.name)} first`,
      });
    }
  }
}
