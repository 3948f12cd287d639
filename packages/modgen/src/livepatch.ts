/**
 * A patch manifest as the C source of a real livepatch module: its klp_patch with the objects in
 * the simulator's order (normalObjects), funcs with old_name and old_sympos, `replace`, states,
 * per-object callbacks, and one replacement per symbol printing what the simulator's prints.
 */
import { normalObjects, PatchManifestSchema, VMLINUX, type PatchManifest } from '@patchwise/manifest';
import { checkFunctionName, checkModuleName, cString, kernelModuleName, RESERVED_PREFIX } from './c-literal.js';
import { objectCallbacks } from './callbacks.js';
import { UnsupportedOnKernel } from './errors.js';
import { KERNEL_FUNCTIONS, kernelFunction, replacementBody, type FunctionKind } from './kernel-functions.js';
import type { GeneratedModule } from './module.js';
import { showFunction, SLEEP_ABI } from './target-abi.js';

const BASE_INCLUDES = ['linux/module.h', 'linux/kernel.h', 'linux/livepatch.h', 'linux/seq_file.h'];

/** What each replacement symbol is: the vmlinux table's kind, or a target module's show function. */
type Replacement = { readonly cName: string; readonly kind: FunctionKind | 'target'; readonly output: string; readonly signature: string };

function supportedList(): string {
  return [...KERNEL_FUNCTIONS.keys()].map((n) => `\`${n}\``).join(', ');
}

/** The default output, exactly as the simulator's replacement returns it. */
export function defaultOutput(patchName: string): string {
  return `${patchName}: this has been live patched\n`;
}

/** The C source of the livepatch module `manifest` describes; throws UnsupportedOnKernel for what cannot be generated. */
export function livepatchModule(manifest: PatchManifest): GeneratedModule {
  if (manifest === null || typeof manifest !== 'object') throw new UnsupportedOnKernel('manifest', 'expected a patch manifest object');
  const name = checkModuleName(manifest.name, 'patch name');
  // The structure first (a caller may skip the manifest reader): what follows walks it.
  const valid = PatchManifestSchema.safeParse(manifest);
  if (!valid.success) {
    const issue = valid.error.issues[0]!;
    throw new UnsupportedOnKernel(
      `patch \`${name}\``,
      `not a valid patch manifest (at \`${issue.path.join('.') || 'the top'}\`: ${issue.message}); read it with parseManifest first`,
    );
  }
  const objects = normalObjects(manifest);
  const replacements = new Map<string, Replacement>();
  const includes = new Set(BASE_INCLUDES);
  let code = '';
  let objs = '';
  const seenObjects = new Set<string>();
  for (const [o, obj] of objects.entries()) {
    const where = `object \`${obj.name}\``;
    const isVmlinux = obj.name === VMLINUX;
    const kname = isVmlinux ? VMLINUX : kernelModuleName(checkModuleName(obj.name, where));
    if (seenObjects.has(kname)) throw new UnsupportedOnKernel(where, `two objects are named \`${kname}\` in the kernel (\`-\` in a module name becomes \`_\`)`);
    seenObjects.add(kname);
    let funcs = '';
    for (const f of obj.functions) {
      const fnWhere = `function \`${isVmlinux ? '' : `${obj.name}:`}${f.name}\``;
      checkFunctionName(f.name, fnWhere);
      if (!Number.isSafeInteger(f.sympos) || f.sympos < 0 || f.sympos > 0xffffffff) throw new UnsupportedOnKernel(fnWhere, `sympos ${f.sympos} is not an unsigned long`);
      let kind: Replacement['kind'] = 'target';
      let signature = '';
      if (isVmlinux) {
        const known = kernelFunction(f.name);
        if (!known) {
          throw new UnsupportedOnKernel(
            fnWhere,
            `no replacement can be generated: the real kernel calls a replacement with the original's signature, and only these vmlinux functions are known: ${supportedList()}`,
          );
        }
        kind = known.kind;
        signature = known.signature;
        for (const h of known.includes) includes.add(h);
        if (kind !== 'seq-show' && f.output !== undefined) {
          throw new UnsupportedOnKernel(fnWhere, `\`output\` cannot be honoured: the replacement of \`${f.name}\` prints nothing, it behaves as the original`);
        }
      }
      // The simulator's symbol name, spelled for C: `-` of a module name becomes `_`, as kbuild does.
      const cName = checkFunctionName(f.newName.replace(/-/g, '_'), `${fnWhere}: its replacement \`${f.newName}\``);
      const output = f.output ?? defaultOutput(name);
      const existing = replacements.get(cName);
      if (existing && existing.kind !== kind) {
        throw new UnsupportedOnKernel(fnWhere, `its replacement \`${cName}\` also replaces a function of another signature; give one of them its own \`new\``);
      }
      // As on the simulator, one symbol is one function: the first function's output serves all.
      if (!existing) replacements.set(cName, { cName, kind, output, signature });
      const sympos = f.sympos ? `, .old_sympos = ${f.sympos}` : '';
      funcs += `\t{ .old_name = ${cString(f.name)}, .new_func = ${cName}${sympos} },\n`;
    }
    code += `static struct klp_func ${RESERVED_PREFIX}funcs_${o}[] = {\n${funcs}\t{ }\n};\n\n`;
    const callbacks = objectCallbacks(obj.callbacks, name, `${RESERVED_PREFIX}obj${o}`, where);
    code += callbacks.code;
    objs += `\t{\n${isVmlinux ? '' : `\t\t.name = ${cString(kname)},\n`}\t\t.funcs = ${RESERVED_PREFIX}funcs_${o},\n${callbacks.initializer}\t},\n`;
  }
  let functions = '';
  for (const r of replacements.values()) {
    if (r.kind === 'target') functions += `${showFunction(r.cName, r.output)}\n`;
    else functions += `static ${r.signature.replace('NAME', r.cName)}\n{\n${replacementBody(r.kind, r.output)}}\n\n`;
  }
  const source = [
    '// SPDX-License-Identifier: GPL-2.0\n',
    '/* Generated by @patchwise/modgen from a patch manifest: edit the manifest, not this file. */\n',
    [...includes].map((h) => `#include <${h}>\n`).join(''),
    '\n',
    [...replacements.values()].some((r) => r.kind === 'target') ? `${SLEEP_ABI}\n` : '',
    functions,
    code,
    klpPatchSource(manifest, objs, typeof manifest.description === 'string' ? manifest.description : 'patchwise generated livepatch'),
  ].join('');
  return { name, kernelName: kernelModuleName(name), kind: 'livepatch', files: { [`${name}.c`]: source } };
}

/**
 * What every generated livepatch module ends with, whatever its functions: the `klp_object` list,
 * the states, the `klp_patch`, an init that enables it and the module's info.
 */
export function klpPatchSource(manifest: PatchManifest, objs: string, description: string): string {
  const states = statesArray(manifest.states);
  const patch = [
    `\t.mod = THIS_MODULE,\n`,
    `\t.objs = ${RESERVED_PREFIX}objs,\n`,
    states ? `\t.states = ${RESERVED_PREFIX}states,\n` : '',
    manifest.replace === true ? '\t.replace = true,\n' : '',
  ].join('');
  return [
    `static struct klp_object ${RESERVED_PREFIX}objs[] = {\n${objs}\t{ }\n};\n\n`,
    states,
    `static struct klp_patch ${RESERVED_PREFIX}patch = {\n${patch}};\n\n`,
    `static int __init ${RESERVED_PREFIX}init(void)\n{\n\treturn klp_enable_patch(&${RESERVED_PREFIX}patch);\n}\n\n`,
    `static void __exit ${RESERVED_PREFIX}exit(void)\n{\n}\n\n`,
    `module_init(${RESERVED_PREFIX}init);\nmodule_exit(${RESERVED_PREFIX}exit);\n`,
    'MODULE_LICENSE("GPL");\n',
    `MODULE_DESCRIPTION(${cString(description)});\n`,
    'MODULE_INFO(livepatch, "Y");\n',
  ].join('');
}

export function statesArray(states: PatchManifest['states']): string {
  if (states === undefined) return '';
  if (!Array.isArray(states)) throw new UnsupportedOnKernel('states', 'expected a list of `{ id, version }`');
  let out = '';
  for (const [i, s] of states.entries()) {
    const id = s?.id;
    const version = s?.version;
    if (!Number.isSafeInteger(id) || id <= 0) throw new UnsupportedOnKernel(`states[${i}]`, `id ${JSON.stringify(id)} is not a positive integer`);
    if (!Number.isSafeInteger(version) || version < 0 || version > 0xffffffff) {
      throw new UnsupportedOnKernel(`states[${i}]`, `version ${JSON.stringify(version)} is not an unsigned int (0 to 4294967295)`);
    }
    out += `\t{ .id = ${id}UL, .version = ${version}U },\n`;
  }
  return `static struct klp_state ${RESERVED_PREFIX}states[] = {\n${out}\t{ }\n};\n\n`;
}
