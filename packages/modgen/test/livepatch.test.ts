import { describe, expect, it } from 'vitest';
import { livepatchModule, UnsupportedOnKernel } from '@patchwise/modgen';
import type { PatchManifest } from '@patchwise/manifest';
import { decodeCLiteral, literals } from './c-literal-decoder.js';

const source = (m: PatchManifest) => Object.values(livepatchModule(m).files).join('');
/** The decoded text of every literal in a source. */
const texts = (src: string) => literals(src).map((l) => decodeCLiteral(l).toString('utf8'));
/** One C function of a source, from its signature line to its closing brace. */
function cFunction(src: string, name: string): string {
  const at = src.search(new RegExp(`^static [^\\n]*\\b${name}\\(`, 'm'));
  if (at < 0) throw new Error(`no function ${name} in\n${src}`);
  return src.slice(at, src.indexOf('\n}\n', at) + 3);
}

function unsupported(fn: () => unknown): UnsupportedOnKernel {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UnsupportedOnKernel);
    expect((err as UnsupportedOnKernel).code).toBe('PW_MODGEN_UNSUPPORTED');
    return err as UnsupportedOnKernel;
  }
  throw new Error('expected UnsupportedOnKernel');
}

describe('livepatchModule', () => {
  it('is one C file named after the patch, marked as a livepatch, enabling its klp_patch at init', () => {
    const m = livepatchModule({ name: 'acme-fix', functions: ['cmdline_proc_show'] });
    expect(m).toMatchObject({ name: 'acme-fix', kernelName: 'acme_fix', kind: 'livepatch' });
    expect(Object.keys(m.files)).toEqual(['acme-fix.c']);
    const src = m.files['acme-fix.c']!;
    expect(src).toContain('MODULE_INFO(livepatch, "Y");');
    expect(src).toContain('MODULE_LICENSE("GPL");');
    expect(src).toMatch(/static int __init pw__init\(void\)\n\{\n\treturn klp_enable_patch\(&pw__patch\);\n\}/);
    expect(src).not.toContain('.replace');
    expect(src).not.toContain('.states');
  });

  it("replaces a /proc show function with one printing the simulator's default text, or the manifest's output", () => {
    const src = source({ name: 'p1', functions: ['cmdline_proc_show', { name: 'version_proc_show', output: 'v "2" 100%\n' }] });
    expect(cFunction(src, 'livepatch_cmdline_proc_show')).toBe(
      'static int livepatch_cmdline_proc_show(struct seq_file *m, void *v)\n{\n\tseq_write(m, "p1: this has been live patched\\n", 31);\n\treturn 0;\n}\n',
    );
    expect(cFunction(src, 'livepatch_version_proc_show')).toContain('seq_write(m, "v \\"2\\" 100%\\n", 11);');
    expect(src).toContain('{ .old_name = "cmdline_proc_show", .new_func = livepatch_cmdline_proc_show },');
  });

  it('gives getpid and tcp_sendmsg replacements with their originals’ signatures and behaviour', () => {
    const src = source({ name: 'p2', functions: ['__x64_sys_getpid', 'tcp_sendmsg'] });
    expect(cFunction(src, 'livepatch___x64_sys_getpid')).toBe('static long livepatch___x64_sys_getpid(const struct pt_regs *regs)\n{\n\treturn task_tgid_vnr(current);\n}\n');
    const tcp = cFunction(src, 'livepatch_tcp_sendmsg');
    expect(tcp).toMatch(/^static int livepatch_tcp_sendmsg\(struct sock \*sk, struct msghdr \*msg, size_t size\)/);
    expect(tcp).toMatch(/lock_sock\(sk\);\n\tret = tcp_sendmsg_locked\(sk, msg, size\);\n\trelease_sock\(sk\);\n\treturn ret;/);
    expect(src).toContain('#include <net/tcp.h>');
  });

  it('lists objects in order, vmlinux without a name, module functions with old_sympos and the replacement’s symbol', () => {
    const src = source({
      name: 'p3',
      objects: [{ name: 'pw-mod', functions: ['fn_a', 'pw-mod:fn_b,2'] }],
      functions: ['meminfo_proc_show', { name: 'fn_c', object: 'other', new: 'my_fn_c', output: 'C\n' }],
    });
    const objs = src.slice(src.indexOf('static struct klp_object pw__objs[]'));
    expect(objs.indexOf('.name = "pw_mod"')).toBeLessThan(objs.indexOf('.funcs = pw__funcs_1'));
    expect(objs).toMatch(/\{\n\t\t\.name = "pw_mod",\n\t\t\.funcs = pw__funcs_0,\n\t\},\n\t\{\n\t\t\.funcs = pw__funcs_1,\n\t\},\n\t\{\n\t\t\.name = "other",\n\t\t\.funcs = pw__funcs_2,\n\t\},\n\t\{ \}\n\};/);
    expect(src).toContain('{ .old_name = "fn_b", .new_func = livepatch_pw_mod_fn_b_2, .old_sympos = 2 },');
    expect(src).toContain('{ .old_name = "fn_c", .new_func = my_fn_c },');
    // A target-module replacement sleeps when the module's thread calls it, and prints otherwise.
    expect(cFunction(src, 'my_fn_c')).toBe(
      'static int my_fn_c(struct seq_file *m, void *v)\n{\n\tif (!m) {\n\t\tstruct patchwise_sleep *s = v;\n\n\t\tif (s)\n\t\t\ts->sleep(s);\n\t\treturn 0;\n\t}\n\tseq_write(m, "C\\n", 2);\n\treturn 0;\n}\n',
    );
  });

  it('sets replace and the states', () => {
    const src = source({ name: 'p4', replace: true, functions: ['cmdline_proc_show'], states: [{ id: 7, version: 2 }, { id: 9, version: 0 }] });
    expect(src).toContain('static struct klp_state pw__states[] = {\n\t{ .id = 7UL, .version = 2U },\n\t{ .id = 9UL, .version = 0U },\n\t{ }\n};');
    expect(src).toMatch(/static struct klp_patch pw__patch = \{\n\t\.mod = THIS_MODULE,\n\t\.objs = pw__objs,\n\t\.states = pw__states,\n\t\.replace = true,\n\};/);
  });

  it('writes callbacks whose steps log, fail and use shadow variables as the simulator’s runActions does', () => {
    const src = source({
      name: 'p5',
      objects: [
        {
          name: 'vmlinux',
          functions: ['cmdline_proc_show'],
          callbacks: {
            prePatch: [{ log: 'pre "%s" 100%' }, { shadowAlloc: { obj: 'conn', id: 3, value: { any: 1 } } }, { fail: 'ENODEV' }, { log: 'not reached' }],
            postPatch: [],
            postUnpatch: [{ shadowFree: { obj: 5, id: 3 } }, { shadowFreeAll: { id: 4 } }, { fail: -1 }, { log: 'not reached either' }],
          },
        },
      ],
    });
    const pre = cFunction(src, 'pw__obj0_pre_patch');
    expect(pre).toMatch(/^static int pw__obj0_pre_patch\(struct klp_object \*obj\)/);
    expect(pre).toContain('\tprintk(KERN_INFO "%s\\n", ');
    expect(texts(pre)).toEqual(['%s\n', 'p5: pre "%s" 100%']);
    expect(pre).toMatch(/klp_shadow_alloc\(\(void \*\)0x[0-9a-f]{16}UL, 3UL, 8, GFP_KERNEL, NULL, NULL\);\n\treturn -19;\n\}\n$/);
    expect(cFunction(src, 'pw__obj0_post_patch')).toBe('static void pw__obj0_post_patch(struct klp_object *obj)\n{\n}\n');
    const post = cFunction(src, 'pw__obj0_post_unpatch');
    expect(post).toMatch(/klp_shadow_free\(\(void \*\)0x[0-9a-f]{16}UL, 3UL, NULL\);\n\tklp_shadow_free_all\(4UL, NULL\);\n\treturn;\n\}\n$/);
    expect(src).not.toContain('not reached');
    expect(src).not.toContain('pre_unpatch');
    expect(src).toContain('\t\t.callbacks = {\n\t\t\t.pre_patch = pw__obj0_pre_patch,\n\t\t\t.post_patch = pw__obj0_post_patch,\n\t\t\t.post_unpatch = pw__obj0_post_unpatch,\n\t\t},\n');
  });

  it('gives a shadow variable’s object the same key in every module, and "5" another key than 5', () => {
    const key = (obj: string | number, patch: string) =>
      /klp_shadow_alloc\((\(void \*\)0x[0-9a-f]+UL)/.exec(source({ name: patch, objects: [{ name: 'vmlinux', callbacks: { prePatch: [{ shadowAlloc: { obj, id: 1 } }] } }] }))![1];
    expect(key('5', 'a')).toBe(key('5', 'b'));
    expect(key(5, 'a')).toBe(key(5, 'b'));
    expect(key('5', 'a')).not.toBe(key(5, 'a'));
  });

  it('leaves scoped callbacks (run by a policy on the host) out of the module', () => {
    const src = source({ name: 'p6', functions: ['cmdline_proc_show'], callbacks: { fix: { prePatch: [{ log: 'scoped' }] } } });
    expect(src).not.toContain('scoped');
    expect(src).not.toContain('.callbacks');
  });

  it('emits hostile texts only as literals that decode back to them', () => {
    const hostile = 'x");\n}\nstatic int evil(void) { return 0; } /* ??/ \u0000 é %n';
    const src = source({
      name: 'p7',
      description: hostile,
      functions: [{ name: 'cmdline_proc_show', output: hostile }],
      objects: [{ name: 'vmlinux', callbacks: { postPatch: [{ log: hostile }] } }],
    });
    // Outside its literals the source holds none of it.
    expect(src.replace(/"(?:[^"\\\n]|\\.)*"/g, '""')).not.toMatch(/evil|\?\?\//);
    const decoded = texts(src);
    expect(decoded).toContain(hostile);
    expect(decoded).toContain(`p7: ${hostile}`);
  });
});

describe('livepatchModule refuses what a real kernel cannot run', () => {
  it('a vmlinux function without a known signature, naming it and the supported ones', () => {
    const err = unsupported(() => livepatchModule({ name: 'p', functions: ['do_sys_open'] }));
    expect(err.subject).toBe('function `do_sys_open`');
    expect(err.message).toMatch(/^function `do_sys_open`: no replacement can be generated: .*signature.*`cmdline_proc_show`, `meminfo_proc_show`, `version_proc_show`, .*`__x64_sys_getpid`, `tcp_sendmsg`$/);
  });

  it('a TypeScript function callback', () => {
    const err = unsupported(() => livepatchModule({ name: 'p', objects: [{ name: 'vmlinux', callbacks: { postPatch: () => undefined } }] }));
    expect(err.message).toMatch(/^object `vmlinux`\.postPatch: a TypeScript function cannot be compiled into a kernel module/);
  });

  it('an output for a replacement that prints nothing', () => {
    expect(unsupported(() => livepatchModule({ name: 'p', functions: [{ name: '__x64_sys_getpid', output: 'x' }] })).message).toMatch(
      /`output` cannot be honoured: the replacement of `__x64_sys_getpid` prints nothing/,
    );
  });

  it.each([
    ['a patch name with a quote', { name: 'p"; x', functions: ['cmdline_proc_show'] }, /^patch name: "p\\"; x" is not a module name/],
    ['a patch name of 56 characters', { name: 'p'.repeat(56), functions: [] }, /is not a module name/],
    ['a function that is not a C identifier', { name: 'p', functions: ['mod:fn.cold'] }, /^function `mod:fn\.cold`: "fn\.cold" is not a C identifier/],
    ['a C keyword', { name: 'p', functions: ['mod:int'] }, /`int` is a C keyword/],
    ['a name the generated code keeps', { name: 'p', functions: ['mod:pw__init'] }, /starts with `pw__`/],
    ['a replacement symbol with a dollar', { name: 'p', functions: [{ name: 'fn', object: 'mod', new: 'a$b' }] }, /its replacement `a\$b`: "a\$b" is not a C identifier/],
    ['an object path', { name: 'p', functions: ['../../x:fn'] }, /^patch `p`: not a valid patch manifest \(at `functions\.0`: expected `name`, `module:name` or `module:name,N`\); read it with parseManifest first$/],
    ['functions that are not a list', { name: 'p', functions: 5 }, /^patch `p`: not a valid patch manifest \(at `functions`: /],
    ['a log that is not text', { name: 'p', objects: [{ name: 'vmlinux', callbacks: { prePatch: [{ log: 5 }] } }] }, /^patch `p`: not a valid patch manifest \(at `objects\.0\.callbacks\.prePatch/],
    ['two signatures for one replacement', { name: 'p', functions: [{ name: 'cmdline_proc_show', new: 'r' }, { name: 'tcp_sendmsg', new: 'r' }] }, /another signature/],
    ['a state version past an unsigned int', { name: 'p', states: [{ id: 1, version: 2 ** 32 }] }, /^states\[0\]: version 4294967296 is not an unsigned int/],
    ['a negative shadow id', { name: 'p', objects: [{ name: 'vmlinux', callbacks: { prePatch: [{ shadowFreeAll: { id: -1 } }] } }] }, /prePatch\[0\]: shadow variable id -1/],
    ['an errno out of range', { name: 'p', objects: [{ name: 'vmlinux', callbacks: { prePatch: [{ fail: -5000 }] } }] }, /`fail` must be a negative errno/],
  ] as const)('%s', (_what, manifest, message) => {
    expect(unsupported(() => livepatchModule(manifest as unknown as PatchManifest)).message).toMatch(message);
  });
});
