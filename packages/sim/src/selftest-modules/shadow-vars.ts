/**
 * `test_klp_shadow_vars`: exercises the shadow variable API at init and logs every call, printing
 * pointers as `PTR<n>` ids (NULL is `PTR0`) so the log does not depend on addresses.
 */
import type { ShadowCtor, ShadowData, ShadowDtor } from '@patchwise/core';
import type { ModuleContext, ModuleImage } from '../modules.js';

const SV_ID1 = 0x1234;
const SV_ID2 = 0x1235;
const NUM_OBJS = 3;
/** `sizeof(void *)` on a 64-bit kernel. */
const POINTER_SIZE = 8;

/** A C pointer variable (`int *p`): what `&p` points to. */
interface PointerVar {
  value: object;
}

function run(m: ModuleContext): number {
  const { shadow } = m.livepatch;
  const ids = new Map<unknown, number>();
  const ptr = (value: unknown): number => {
    const key = value ?? null;
    let id = ids.get(key);
    if (id === undefined) {
      id = ids.size;
      ids.set(key, id);
    }
    return id;
  };
  const hex = (id: number) => `0x${id.toString(16)}`;

  const get = (obj: object, id: number): ShadowData | null => {
    const sv = shadow.get(obj, id);
    m.print(`klp_shadow_get(obj=PTR${ptr(obj)}, id=${hex(id)}) = PTR${ptr(sv)}`);
    return sv;
  };
  const alloc = (kind: 'alloc' | 'get_or_alloc', obj: object, id: number, ctor: ShadowCtor, v: PointerVar) => {
    const sv = kind === 'alloc' ? shadow.alloc(obj, id, POINTER_SIZE, ctor, v) : shadow.getOrAlloc(obj, id, POINTER_SIZE, ctor, v);
    m.print(
      `klp_shadow_${kind}(obj=PTR${ptr(obj)}, id=${hex(id)}, size=${POINTER_SIZE.toString(16)}, gfp_flags=GFP_KERNEL), ` +
        `ctor=PTR${ptr(ctor)}, ctor_data=PTR${ptr(v.value)} = PTR${ptr(sv)}`,
    );
    return sv;
  };
  const free = (obj: object, id: number, dtor: ShadowDtor) => {
    shadow.free(obj, id, dtor);
    m.print(`klp_shadow_free(obj=PTR${ptr(obj)}, id=${hex(id)}, dtor=PTR${ptr(dtor)})`);
  };
  const freeAll = (id: number, dtor: ShadowDtor | null) => {
    shadow.freeAll(id, dtor ?? undefined);
    m.print(`klp_shadow_free_all(id=${hex(id)}, dtor=PTR${ptr(dtor)})`);
  };
  const ctor: ShadowCtor = (_obj, data, ctorData) => {
    const v = ctorData as PointerVar | undefined;
    if (!v) return -22;
    data.value = v.value;
    m.print(`shadow_ctor: PTR${ptr(data)} -> PTR${ptr(v.value)}`);
    return 0;
  };
  const dtor: ShadowDtor = (obj, data) => m.print(`shadow_dtor(obj=PTR${ptr(obj)}, shadow_data=PTR${ptr(data)})`);
  const expectNull = (sv: ShadowData | null) => {
    if (!sv) m.print('  got expected NULL result');
  };
  const expectPointing = (sv: ShadowData | null, expected: ShadowData | undefined, target: object | undefined) => {
    if (sv && sv === expected && expected.value === target) {
      m.print(`  got expected PTR${ptr(expected)} -> PTR${ptr(expected.value)} result`);
    }
  };

  const objs = Array.from({ length: NUM_OBJS }, (_, i) => ({ obj: i }));
  const nfields1 = objs.map((_, i) => ({ char: i }));
  const nfields2 = objs.map((_, i) => ({ int: i }));
  const sv1: (ShadowData | null)[] = [];
  const sv2: (ShadowData | null)[] = [];
  const cleanup = (ret: number) => {
    freeAll(SV_ID1, null);
    freeAll(SV_ID2, null);
    return ret;
  };

  ptr(null);
  expectNull(get(objs[0] as object, SV_ID1));

  // pass 1: a char and an int field for each object
  for (let i = 0; i < NUM_OBJS; i += 1) {
    const obj = objs[i] as object;
    const pn1: PointerVar = { value: nfields1[i] as object };
    ptr(pn1.value);
    sv1[i] = alloc(i % 2 ? 'alloc' : 'get_or_alloc', obj, SV_ID1, ctor, pn1);
    if (!sv1[i]) return cleanup(-12);
    const pn2: PointerVar = { value: nfields2[i] as object };
    ptr(pn2.value);
    sv2[i] = alloc('alloc', obj, SV_ID2, ctor, pn2);
    if (!sv2[i]) return cleanup(-12);
  }
  // pass 2: find them again
  for (let i = 0; i < NUM_OBJS; i += 1) {
    const obj = objs[i] as object;
    let sv = get(obj, SV_ID1);
    if (!sv) return cleanup(-22);
    expectPointing(sv, sv1[i] ?? undefined, nfields1[i]);
    sv = get(obj, SV_ID2);
    if (!sv) return cleanup(-22);
    expectPointing(sv, sv2[i] ?? undefined, nfields2[i]);
  }
  // pass 3: get_or_alloc returns the existing variable, without calling the ctor
  for (let i = 0; i < NUM_OBJS; i += 1) {
    const pndup: PointerVar = { value: nfields1[i] as object };
    ptr(pndup.value);
    const sv = alloc('get_or_alloc', objs[i] as object, SV_ID1, ctor, pndup);
    if (!sv) return cleanup(-22);
    expectPointing(sv, sv1[i] ?? undefined, nfields1[i]);
  }
  // pass 4: free the char fields
  for (let i = 0; i < NUM_OBJS; i += 1) {
    free(objs[i] as object, SV_ID1, dtor);
    expectNull(get(objs[i] as object, SV_ID1));
  }
  // pass 5: the int fields are still there
  for (let i = 0; i < NUM_OBJS; i += 1) {
    const sv = get(objs[i] as object, SV_ID2);
    if (!sv) return cleanup(-22);
    expectPointing(sv, sv2[i] ?? undefined, nfields2[i]);
  }
  // pass 6: free all the int fields at once
  freeAll(SV_ID2, null);
  for (let i = 0; i < NUM_OBJS; i += 1) expectNull(get(objs[i] as object, SV_ID2));
  return 0;
}

export const testKlpShadowVars: ModuleImage = {
  name: 'test_klp_shadow_vars',
  description: 'exercises klp_shadow_{get,alloc,get_or_alloc,free,free_all} at init',
  init: run,
};
