/**
 * `sameFunction`: when two enabled patches may patch one function. The newest patch wins on the
 * function stack, so a second patch silently overrides the first one's fix: acceptable when one
 * vendor built and tested both, not when two vendors' patches meet by accident.
 */
import type { FuncRef, ObjectInfo, PatchInfo, PrePatchContext } from '@patchwise/core';
import type { PolicyReport } from '@patchwise/policy';
import type { MessageId } from '../messages.js';
import type { Settings } from '../options.js';
import { code, keyOf, listText, quoted, sharersOf, vendorOf, vendorText } from '../patch-facts.js';

/**
 * Check a non-replace patch being enabled against the owners of each of its functions (an
 * atomic-replace patch coexists with none: the `replace` rule judges it).
 */
export function checkSameFunction(ctx: PrePatchContext, patch: PatchInfo, settings: Settings, report: PolicyReport<MessageId>): void {
  if (settings.sameFunction === 'any') return;
  const vendor = vendorOf(patch);
  // Perf: under `same-vendor` a vendor's patch usually shares functions only with its own vendor's;
  // that is checked first, building no sharer list (nor any message data).
  if (settings.sameFunction === 'same-vendor' && vendor !== null && !sharesWithOtherVendor(ctx, patch, vendor)) return;
  for (const { other, functions } of sharersOf(ctx, patch)) {
    const otherVendor = vendorOf(other);
    // Perf: a same-vendor sharer is allowed; the message data is built only for a finding.
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

/**
 * Whether a patch of another vendor (or of none), other than `patch`'s own name, patches one of
 * its functions: exactly when `checkSameFunction` has a `same-vendor` finding to report.
 */
function sharesWithOtherVendor(ctx: PrePatchContext, patch: PatchInfo, vendor: string): boolean {
  // Index loops: the snapshot's arrays are frozen (slow builtins on Node 20, see `thaw`).
  const { objects } = patch;
  for (let i = 0; i < objects.length; i += 1) {
    const funcs = (objects[i] as ObjectInfo).funcs;
    for (let j = 0; j < funcs.length; j += 1) {
      const owners = ctx.owners(keyOf(funcs[j] as FuncRef));
      for (let k = 0; k < owners.length; k += 1) {
        const other = owners[k] as PatchInfo;
        if (other.name !== patch.name && vendorOf(other) !== vendor) return true;
      }
    }
  }
  return false;
}
