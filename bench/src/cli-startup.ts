/**
 * cliStartupRatio: `patchwise check` on one manifest with a YAML config, as a fresh process, wall
 * time over `node -e 0`, from a COLD code cache: every cold sample gets a fresh, empty
 * `XDG_CACHE_HOME` (the launcher's V8 code cache lives in `$XDG_CACHE_HOME/patchwise`), as the first
 * run after a build or on a new machine. The warm figure (the cache made by an earlier run, in a
 * temporary folder of its own) is reported beside it; the same with a TypeScript config (patchwise.config.ts). Processes are
 * spawned in interleaved rounds (node, YAML, TS, node, ...), so each ratio compares medians taken
 * under the same conditions. Also: what each import costs, and where a `check` spends its time
 * (a --cpu-prof of one run, self time by package).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire, SourceMap, type SourceMapPayload } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { median, round } from './stats.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = join(ROOT, 'packages/cli/bin/patchwise.cjs');
/** The bundle's chunks (scripts/bundle-cli.mjs). */
const DIST = join(ROOT, 'packages/cli/dist');

const MANIFEST = `name: acme-net-fix
vendor: acme
version: 1.2.0
kernel: ">=6.1 <6.15"
tags: [net]
functions: [cmdline_proc_show, meminfo_proc_show]
callbacks:
  net-sysctl:
    postPatch: [{ log: net sysctl on }]
`;

const PLUGINS = `plugins:
  - vendor-tags
  - scoped-callbacks
  - semver-deps
`;

const TS_CONFIG = `interface Config { plugins: string[] }
const config: Config = { plugins: ['vendor-tags', 'scoped-callbacks', 'semver-deps'] };
export default config;
`;

export interface StartupResult {
  /** Cold code cache over `node -e 0` (the headline). */
  readonly ratio: number;
  /** Warm code cache over `node -e 0`. */
  readonly warmRatio: number;
  readonly coldMs: number;
  readonly tsRatio: number;
  readonly runs: number;
  readonly nodeMs: number;
  readonly yamlMs: number;
  readonly tsMs: number;
  /** `patchwise init --help`: a verb that needs none of the simulator, config or plugins. */
  readonly lightVerbMs: number;
  readonly lightVerbRatio: number;
  /** Median wall time of importing one module in a fresh process, minus `node -e 0`. */
  readonly imports: readonly { readonly module: string; readonly ms: number }[];
  readonly importRuns: number;
  /** Self time of one `check` (YAML config) under --cpu-prof, by package. */
  readonly profile: readonly { readonly where: string; readonly ms: number; readonly share: number }[];
  readonly profileTotalMs: number;
  /** Module files Node itself loads for one `check` (the launcher, and what stays outside the bundle). */
  readonly modulesLoaded: number;
  /** Chunks of the bundle one `check` compiles (the launcher's `vm.Script`s), and their size. */
  readonly chunksLoaded: number;
  readonly chunkKb: number;
  /** All the bundle's chunks, as shipped. */
  readonly chunksShipped: number;
  readonly shippedKb: number;
}

/** Two project folders (a package.json stops config discovery there): YAML and TS configs. */
function projects(): { root: string; yaml: string; ts: string } {
  const root = mkdtempSync(join(tmpdir(), 'patchwise-bench-'));
  for (const [dir, file, text] of [
    ['yaml', 'patchwise.config.yaml', PLUGINS],
    ['ts', 'patchwise.config.ts', TS_CONFIG],
  ] as const) {
    mkdirSync(join(root, dir));
    writeFileSync(join(root, dir, 'package.json'), '{ "name": "bench-project", "private": true }\n');
    writeFileSync(join(root, dir, file), text);
    writeFileSync(join(root, dir, 'fix.yaml'), MANIFEST);
  }
  return { root, yaml: join(root, 'yaml'), ts: join(root, 'ts') };
}

/** The code cache folder of the warm runs (set by `cliStartup`). */
let warmCache: string | undefined;

function wall(args: readonly string[], cwd: string, expectOk = true, cache = warmCache): number {
  const env = { ...process.env, NO_COLOR: '1', ...(cache ? { XDG_CACHE_HOME: cache } : {}) };
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (expectOk && r.status !== 0) throw new Error(`cli-startup: \`node ${args.join(' ')}\` exited ${r.status}: ${r.stderr.toString()}${r.stdout.toString()}`);
  return ms;
}

/** Module specifiers as the CLI resolves them (from the package that imports each). */
function importTargets(): { module: string; url: string | null }[] {
  const from = (pkg: string) => createRequire(join(ROOT, pkg, 'package.json'));
  const npm = (pkg: string, name: string) => pathToFileURL(from(pkg).resolve(name)).href;
  const ws = (dir: string) => pathToFileURL(join(ROOT, dir, 'dist/index.js')).href;
  return [
    { module: 'commander', url: npm('packages/cli', 'commander') },
    { module: 'yaml', url: npm('packages/cli', 'yaml') },
    { module: 'zod', url: npm('packages/manifest', 'zod') },
    { module: 'semver (the whole index)', url: npm('plugins/semver-deps', 'semver') },
    { module: 'cosmiconfig', url: npm('packages/config', 'cosmiconfig') },
    { module: 'cosmiconfig-typescript-loader', url: npm('packages/config', 'cosmiconfig-typescript-loader') },
    { module: '@patchwise/core', url: ws('packages/core') },
    { module: '@patchwise/sim', url: ws('packages/sim') },
    { module: '@patchwise/diagnostics', url: ws('packages/diagnostics') },
    { module: '@patchwise/manifest', url: ws('packages/manifest') },
    { module: '@patchwise/policy', url: ws('packages/policy') },
    { module: '@patchwise/config', url: ws('packages/config') },
    { module: '@patchwise/scenario', url: ws('packages/scenario') },
    { module: '@patchwise/kselftest', url: ws('packages/kselftest') },
    { module: '@patchwise/plugin-vendor-tags', url: ws('plugins/vendor-tags') },
    { module: '@patchwise/plugin-scoped-callbacks', url: ws('plugins/scoped-callbacks') },
    { module: '@patchwise/plugin-semver-deps', url: ws('plugins/semver-deps') },
    { module: '@patchwise/cli (main.js)', url: pathToFileURL(join(ROOT, 'packages/cli/dist/main.js')).href },
  ];
}

const groupOf = (url: string): string => {
  if (!url) return '(V8/native: GC, compile, idle)';
  const npm = /node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (npm) return npm[1] as string;
  const ws = /\/(packages|plugins)\/([^/]+)\//.exec(url);
  if (ws) return ws[1] === 'plugins' ? `@patchwise/plugin-${ws[2]}` : `@patchwise/${ws[2]}`;
  // The launcher compiles the chunks with vm.Script: a parse when cold, a code cache read when warm.
  if (url === 'node:vm') return 'compiling the bundle (vm.Script)';
  if (url.startsWith('node:')) return 'node internals (module loading, fs)';
  return url;
};

interface CpuProfile {
  nodes: { id: number; callFrame: { url: string; lineNumber: number; columnNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

const maps = new Map<string, SourceMap | undefined>();
/**
 * The package a profiled function comes from: for code in the bundle's chunks, that of the source
 * its start maps to through the chunk's source map (every package is in the chunks); else its URL's.
 */
function groupOfFrame(frame: CpuProfile['nodes'][number]['callFrame']): string {
  const file = frame.url.startsWith('file:') ? fileURLToPath(frame.url) : frame.url;
  if (!/\/packages\/cli\/dist\/patchwise(-[\w-]+)?\.cjs$/.test(file)) return groupOf(frame.url);
  if (!maps.has(file)) {
    try {
      maps.set(file, new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')) as SourceMapPayload));
    } catch {
      maps.set(file, undefined);
    }
  }
  const entry = maps.get(file)?.findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string } | undefined;
  // The launcher's wrapper of each chunk: its top level, where the ES modules in it run their module bodies.
  if (!entry?.originalSource) return 'chunk top levels (ES module bodies, not mapped)';
  // scripts/bundle-cli.mjs names so what esbuild wrote itself: its helpers, the imports between chunks,
  // and the function headers of the CommonJS packages it wraps (so their module bodies count here).
  if (entry.originalSource.endsWith('esbuild-glue-between-chunks')) return 'esbuild glue (helpers, CommonJS module bodies)';
  return groupOf(resolve(dirname(file), entry.originalSource));
}

/** One `check` under --cpu-prof, from a cold code cache (the headline): self time by package. */
function profileCheck(cwd: string, cache: string): { rows: StartupResult['profile']; totalMs: number } {
  const dir = mkdtempSync(join(tmpdir(), 'patchwise-prof-'));
  try {
    wall(['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '250', CLI, 'check', 'fix.yaml'], cwd, true, cache);
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) return { rows: [], totalMs: 0 };
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    const groupOfNode = new Map(profile.nodes.map((n) => [n.id, groupOfFrame(n.callFrame)]));
    const byGroup = new Map<string, number>();
    let total = 0;
    profile.samples.forEach((id, i) => {
      const dt = profile.timeDeltas[i] ?? 0;
      total += dt;
      const group = groupOfNode.get(id) ?? groupOf('');
      byGroup.set(group, (byGroup.get(group) ?? 0) + dt);
    });
    const rows = [...byGroup]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 14)
      .map(([where, us]) => ({ where, ms: round(us / 1000, 1), share: round(us / total, 3) }));
    return { rows, totalMs: round(total / 1000, 0) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What one `check` loads: module files Node loads (ESM through a loader hook, CommonJS through
 * require), and the bundle's chunks, which the launcher compiles itself (seen through `vm.Script`).
 */
function countModules(cwd: string, cache: string): { files: number; chunks: number; chunkBytes: number } {
  const dir = mkdtempSync(join(tmpdir(), 'patchwise-mods-'));
  try {
    const hooks = join(dir, 'hooks.mjs');
    writeFileSync(hooks, "export async function load(url, context, next) { process.stderr.write('PWLOAD ' + url + '\\n'); return next(url, context); }\n");
    const register = join(dir, 'register.mjs');
    writeFileSync(
      register,
      `import { register } from 'node:module';\nimport Module from 'node:module';\nimport vm from 'node:vm';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\nconst load = Module._load;\nModule._load = function (request, parent, isMain) { const r = load.apply(this, arguments); try { process.stderr.write('PWLOAD ' + Module._resolveFilename(request, parent, isMain) + '\\n'); } catch {} return r; };\nconst Script = vm.Script;\nvm.Script = class extends Script { constructor(code, options) { super(code, options); process.stderr.write('PWCHUNK ' + code.length + '\\n'); } };\n`,
    );
    const r = spawnSync(process.execPath, ['--import', pathToFileURL(register).href, CLI, 'check', 'fix.yaml'], { cwd, encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: cache } });
    const lines = r.stderr.split('\n');
    const files = new Set(
      lines
        .filter((l) => l.startsWith('PWLOAD '))
        .map((l) => l.slice(7).replace(/^file:\/\//, ''))
        .filter((f) => !f.startsWith('node:') && f.includes('/')),
    );
    const chunks = lines.filter((l) => l.startsWith('PWCHUNK ')).map((l) => Number(l.slice(8)));
    return { files: files.size, chunks: chunks.length, chunkBytes: chunks.reduce((a, b) => a + b, 0) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function cliStartup(options: { runs: number; importRuns: number }): StartupResult {
  const dirs = projects();
  warmCache = join(dirs.root, 'warm-cache');
  mkdirSync(warmCache);
  try {
    // Warm the file cache (and check that both configs work) before timing.
    wall([CLI, 'check', 'fix.yaml'], dirs.yaml);
    wall([CLI, 'check', 'fix.yaml'], dirs.ts);
    const node: number[] = [];
    const yaml: number[] = [];
    const ts: number[] = [];
    const light: number[] = [];
    const cold: number[] = [];
    for (let i = 0; i < options.runs; i += 1) {
      node.push(wall(['-e', '0'], dirs.yaml));
      cold.push(wall([CLI, 'check', 'fix.yaml'], dirs.yaml, true, mkdtempSync(join(dirs.root, 'cold-cache-'))));
      yaml.push(wall([CLI, 'check', 'fix.yaml'], dirs.yaml));
      ts.push(wall([CLI, 'check', 'fix.yaml'], dirs.ts));
      light.push(wall([CLI, 'init', '--help'], dirs.yaml));
    }
    const targets = importTargets();
    const importTimes = new Map<string, number[]>(targets.map((t) => [t.module, []]));
    const baseline: number[] = [];
    for (let i = 0; i < options.importRuns; i += 1) {
      baseline.push(wall(['-e', '0'], dirs.yaml));
      for (const t of targets) importTimes.get(t.module)?.push(wall(['--input-type=module', '-e', `import ${JSON.stringify(t.url)};`], dirs.yaml));
    }
    const base = median(baseline);
    const profile = profileCheck(dirs.yaml, mkdtempSync(join(dirs.root, 'cold-cache-')));
    const loaded = countModules(dirs.yaml, mkdtempSync(join(dirs.root, 'cold-cache-')));
    const shipped = readdirSync(DIST).filter((f) => /^patchwise(-[\w-]+)?\.cjs$/.test(f));
    return {
      ratio: round(median(cold) / median(node)),
      warmRatio: round(median(yaml) / median(node)),
      coldMs: round(median(cold), 1),
      tsRatio: round(median(ts) / median(node)),
      runs: options.runs,
      nodeMs: round(median(node), 1),
      yamlMs: round(median(yaml), 1),
      tsMs: round(median(ts), 1),
      lightVerbMs: round(median(light), 1),
      lightVerbRatio: round(median(light) / median(node)),
      imports: targets.map((t) => ({ module: t.module, ms: round(median(importTimes.get(t.module) ?? []) - base, 1) })),
      importRuns: options.importRuns,
      profile: profile.rows,
      profileTotalMs: profile.totalMs,
      modulesLoaded: loaded.files,
      chunksLoaded: loaded.chunks,
      chunkKb: round(loaded.chunkBytes / 1024, 0),
      chunksShipped: shipped.length,
      shippedKb: round(shipped.reduce((sum, f) => sum + statSync(join(DIST, f)).size, 0) / 1024, 0),
    };
  } finally {
    warmCache = undefined;
    rmSync(dirs.root, { recursive: true, force: true });
  }
}
