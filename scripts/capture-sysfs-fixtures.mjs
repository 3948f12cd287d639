#!/usr/bin/env node
// Captures sysfs/procfs fixture trees from Debian's real 6.1 and 6.12 kernels under QEMU, for the
// unit tests of the `--system ROOT` reader. Each scenario loads the test livepatch modules of
// kernel/modules (built against the kernel's headers by scripts/build-kernel-modules.sh), puts the
// kernel into a known state, and copies /sys/kernel/livepatch, /proc/modules, /sys/module/<ours>,
// /proc/sys/kernel/{osrelease,tainted} (and, while a transition is stalled, every task's
// /proc/PID/{comm,patch_state}) into fixtures/sysfs/<series>/<scenario>/, laid out like a root.
//
//   node scripts/capture-sysfs-fixtures.mjs [--kernel 6.1|6.12]... [--out DIR] [--modules SERIES=DIR]...
//
// The project must be built (pnpm build) and scripts/setup-real-kernel.sh run. See fixtures/sysfs/README.md.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootGuest, captureTree, fetchKernel } from '../packages/qemu/dist/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MODULES = ['pw_target', 'acme_cmdline', 'beta_cmdline', 'acme_cumulative', 'acme_target_fix', 'acme_callbacks'];

// Helpers every step sources: wait for a condition (polling like the selftests' loop_until).
const LIB = `
wait_for() { i=0; while ! eval "$1"; do i=$((i + 1)); [ $i -lt 300 ] || { echo "timed out waiting for: $1" >&2; return 1; }; sleep 0.1; done; }
lp=/sys/kernel/livepatch
settled() { wait_for "[ \\"\\$(cat $lp/$1/transition)\\" = 0 ]"; }
gone() { wait_for "[ ! -d $lp/$1 ]"; }
load() { m=$1; shift; insmod /pw/mods/$m.ko "$@"; }
disable() { echo 0 > $lp/$1/enabled && gone $1; }
`;

/** Scenarios: steps that reach the state, steps that undo it (the guest is reused), whether tasks are captured. */
const SCENARIOS = [
  { name: 'no-patches', steps: [], undo: [] },
  { name: 'acme-cmdline', steps: ['load acme_cmdline && settled acme_cmdline'], undo: ['disable acme_cmdline', 'rmmod acme_cmdline'] },
  {
    name: 'acme-cmdline-disabled',
    about: 'patch disabled: its sysfs folder is gone, its module still loaded (refcount 0)',
    steps: ['load acme_cmdline && settled acme_cmdline', 'disable acme_cmdline'],
    undo: ['rmmod acme_cmdline'],
  },
  {
    name: 'cumulative-replace',
    about: 'acme_cumulative (replace) loaded over acme_cmdline: the replaced patch left sysfs, its module stays loaded',
    steps: ['load acme_cmdline && settled acme_cmdline', 'load acme_cumulative && settled acme_cumulative && gone acme_cmdline'],
    undo: ['disable acme_cumulative', 'rmmod acme_cumulative', 'rmmod acme_cmdline'],
  },
  {
    name: 'target-module-patched',
    about: 'pw_target loaded and patched by acme_target_fix (sympos 2) and acme_callbacks (vmlinux and pw_target objects)',
    steps: ['load pw_target', 'load acme_target_fix && settled acme_target_fix', 'load acme_callbacks && settled acme_callbacks'],
    undo: ['disable acme_callbacks', 'disable acme_target_fix', 'rmmod acme_callbacks', 'rmmod acme_target_fix', 'rmmod pw_target'],
  },
  {
    name: 'stalled-patching',
    about: "pw_target's kthread held in pw_target_work: acme_target_fix's patching transition stays at 1",
    tasks: true,
    steps: ['load pw_target', 'echo 1 > /sys/module/pw_target/parameters/hold && sleep 0.5', 'load acme_target_fix', 'sleep 2; [ "$(cat $lp/acme_target_fix/transition)" = 1 ]'],
    undo: ['echo 0 > /sys/module/pw_target/parameters/hold', 'settled acme_target_fix', 'disable acme_target_fix', 'rmmod acme_target_fix', 'rmmod pw_target'],
  },
  {
    name: 'stalled-unpatching',
    about: "the kthread held in acme_target_fix's replacement: disabling leaves the unpatching transition at 1",
    tasks: true,
    steps: [
      'load pw_target',
      'load acme_target_fix && settled acme_target_fix',
      'echo 1 > /sys/module/acme_target_fix/parameters/hold && sleep 0.5',
      'echo 0 > $lp/acme_target_fix/enabled',
      'sleep 2; [ "$(cat $lp/acme_target_fix/transition)" = 1 ]',
    ],
    undo: ['echo 0 > /sys/module/acme_target_fix/parameters/hold', 'gone acme_target_fix', 'rmmod acme_target_fix', 'rmmod pw_target'],
  },
];

function parseArgs(argv) {
  const out = { kernels: [], out: join(ROOT, 'fixtures/sysfs'), modules: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--kernel') out.kernels.push(argv[++i]);
    else if (a === '--out') out.out = resolve(argv[++i]);
    else if (a === '--modules') {
      const [series, dir] = argv[++i].split('=');
      out.modules[series] = resolve(dir);
    } else {
      console.error(`capture-sysfs-fixtures: unknown argument ${a}\nusage: node scripts/capture-sysfs-fixtures.mjs [--kernel 6.1|6.12]... [--out DIR] [--modules SERIES=DIR]...`);
      process.exit(2);
    }
  }
  if (!out.kernels.length) out.kernels = ['6.1', '6.12'];
  return out;
}

async function run(vm, cmd) {
  const r = await vm.exec(`. /pw/lib.sh; ${cmd}`);
  if (r.status !== 0) throw new Error(`guest step failed (status ${r.status}): ${cmd}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

function writeTree(dest, entries, from) {
  const modes = {};
  const unreadable = {};
  const emptyDirs = [];
  for (const e of entries) {
    if (e.kind === 'unreadable' && /No such file/.test(e.error)) continue; // a task that exited meanwhile
    const target = join(dest, e.path);
    modes[e.path] = e.mode;
    if (e.kind === 'dir') mkdirSync(target, { recursive: true });
    else {
      mkdirSync(dirname(target), { recursive: true });
      if (e.kind === 'link') symlinkSync(e.target, target);
      else if (e.kind === 'file') writeFileSync(target, e.content);
      else {
        writeFileSync(target, '');
        unreadable[e.path] = e.error;
      }
    }
  }
  // git keeps no empty folder, and a function folder (NAME,POS) is empty: list them to recreate.
  const dirs = entries.filter((e) => e.kind === 'dir').map((e) => e.path);
  for (const d of dirs) if (!entries.some((e) => e.path.startsWith(`${d}/`))) emptyDirs.push(d);
  return { modes, unreadable, emptyDirs, from };
}

async function captureKernel(series, args) {
  const kernel = await fetchKernel(series);
  let modDir = args.modules[series];
  let built;
  if (!modDir) {
    built = mkdtempSync(join(tmpdir(), 'patchwise-mods-'));
    const t = Date.now();
    execFileSync(join(ROOT, 'scripts/build-kernel-modules.sh'), [kernel.release, built], { stdio: ['ignore', 'ignore', 'inherit'] });
    console.log(`${series}: modules built in ${Math.round((Date.now() - t) / 1000)} s`);
    modDir = built;
  }
  const payload = [
    { path: '/pw/lib.sh', data: LIB },
    ...MODULES.map((m) => ({ path: `/pw/mods/${m}.ko`, source: join(modDir, 'nodebug', `${m}.ko`) })),
  ];
  const vm = await bootGuest({ kernel, payload });
  console.log(`${series}: booted ${kernel.release} in ${vm.bootMs} ms`);
  try {
    for (const sc of SCENARIOS) {
      const t = Date.now();
      // Each scenario starts from a clean kernel: none of our modules, no patch.
      await run(vm, `[ -z "$(ls $lp)" ] && ! grep -qE '^(${MODULES.join('|')}) ' /proc/modules`);
      for (const step of sc.steps) await run(vm, step);
      const loaded = (await run(vm, `cut -d' ' -f1 /proc/modules`)).split('\n').filter((m) => MODULES.includes(m));
      const paths = ['/sys/kernel/livepatch', '/proc/modules', '/proc/sys/kernel/osrelease', '/proc/sys/kernel/tainted', ...loaded.map((m) => `/sys/module/${m}`)];
      if (sc.tasks) {
        const pids = (await run(vm, `ls /proc | grep -E '^[0-9]+$'`)).split('\n').filter(Boolean);
        for (const pid of pids) paths.push(`/proc/${pid}/comm`, `/proc/${pid}/patch_state`);
      }
      const entries = await captureTree(vm, paths, { prune: ['sections', 'notes'] });
      const dest = join(args.out, series, sc.name);
      const partial = `${dest}.partial`;
      rmSync(partial, { recursive: true, force: true });
      const info = writeTree(partial, entries);
      writeFileSync(
        join(partial, 'CAPTURE.json'),
        JSON.stringify(
          {
            kernel: { series, release: kernel.release, image: kernel.image },
            scenario: sc.name,
            about: sc.about ?? '',
            steps: sc.steps,
            modules: 'kernel/modules, built by scripts/build-kernel-modules.sh (nodebug)',
            modes: info.modes,
            unreadable: info.unreadable,
            emptyDirs: info.emptyDirs,
          },
          null,
          2,
        ) + '\n',
      );
      rmSync(dest, { recursive: true, force: true });
      renameSync(partial, dest);
      for (const step of sc.undo) await run(vm, step);
      console.log(`${series}/${sc.name}: ${entries.length} entries in ${Math.round((Date.now() - t) / 1000)} s`);
    }
  } finally {
    await vm.close();
    if (built) rmSync(built, { recursive: true, force: true });
  }
}

const args = parseArgs(process.argv.slice(2));
for (const series of args.kernels) await captureKernel(series, args);
console.log(`captured into ${args.out}: ${readdirSync(args.out).join(', ')}`);
