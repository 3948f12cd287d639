import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { baseInitramfs } from './base-image.js';
import { cacheDir } from './cache.js';
import { QemuError } from './errors.js';
import { requireTool } from './exec.js';
import { HOST_ROOT_TAG, settingsFile, SHARE_TAG, shellWord } from './init-script.js';
import { buildArchive, checkGuestPath, type PayloadFile } from './initramfs.js';
import { fetchKernel, isKernelSeries, type Kernel, type KernelSeries } from './kernels.js';
import { ConsoleParser, encodeCommand, type ExecResult, type ProtocolAnswer } from './protocol.js';

export interface BootOptions {
  /** A series to resolve, download and cache, or a kernel already fetched with `fetchKernel`. */
  readonly kernel: KernelSeries | Kernel;
  /** Files added to the initramfs for this boot (test modules, scripts). */
  readonly payload?: readonly PayloadFile[];
  /** A host folder mounted read-only at /mnt/share over virtio-9p. */
  readonly share?: string;
  /**
   * Run every command in a chroot of the host's root (shared read-only over 9p, with a tmpfs overlay),
   * so the host's node and the project's own CLI run in the guest against the guest's /sys and /proc.
   * busybox's applets (insmod, rmmod, ...) come last on PATH there.
   */
  readonly hostRoot?: boolean;
  /** Guest memory in MiB; 512 unless given. */
  readonly memory?: number;
  /** Extra words for the kernel command line. */
  readonly append?: string;
  readonly bootTimeoutMs?: number;
  /** Default time limit of one command. */
  readonly execTimeoutMs?: number;
  readonly cache?: string;
  /** Receives the raw console output, for debugging. */
  readonly onConsole?: (text: string) => void;
}

export interface ExecOptions {
  readonly timeoutMs?: number;
}

export interface Guest {
  readonly kernel: Kernel;
  /** Milliseconds from spawning QEMU to the driver's first answer. */
  readonly bootMs: number;
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** The kernel log (`dmesg`); `clear` empties it afterwards, as the selftests do between tests. */
  dmesg(options?: { clear?: boolean }): Promise<string>;
  writeFile(path: string, data: string | Uint8Array, mode?: number): Promise<void>;
  /** Kills QEMU (always) and removes the per-boot files. Safe to call twice. */
  close(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // A crashed or interrupted run must not leave QEMU behind: kill the guests, then let the
    // signal do what it would have done (the handler is gone once it ran).
    const killAll = () => {
      for (const c of live) c.kill('SIGKILL');
    };
    process.once('exit', killAll);
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(signal, () => {
        killAll();
        process.kill(process.pid, signal);
      });
    }
  }
}

function virtfsPath(path: string): string {
  return path.replace(/,/g, ',,');
}

const WRITE_CHUNK = 48 * 1024;

class QemuGuest implements Guest {
  bootMs = 0;
  private seq = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly waiting = new Map<number, { resolve(a: ExecResult): void; reject(e: Error): void }>();
  private readyWaiter: { resolve(): void; reject(e: Error): void } | undefined;
  private exited: Error | undefined;
  private stderr = '';
  private readonly parser: ConsoleParser;
  private closed = false;

  constructor(
    readonly kernel: Kernel,
    private readonly child: ChildProcess,
    token: string,
    private readonly workDir: string,
    private readonly execTimeoutMs: number,
    onConsole?: (text: string) => void,
  ) {
    this.parser = new ConsoleParser(token, {
      answer: (a) => this.answer(a),
      ready: () => this.readyWaiter?.resolve(),
      setupFailed: (reason) => this.fail(new QemuError('BOOT_FAILED', `the guest could not set up: ${reason}\n${this.consoleTail()}`)),
      error: (message) => this.fail(new QemuError('PROTOCOL', message)),
    });
    child.stdout!.setEncoding('latin1');
    child.stdout!.on('data', (text: string) => {
      onConsole?.(text);
      this.parser.feed(text);
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => {
      this.stderr = (this.stderr + text).slice(-4000);
    });
    child.stdin!.on('error', () => undefined);
    child.once('exit', (code, signal) => {
      const how = signal ? `signal ${signal}` : `status ${code}`;
      const qemuSaid = this.stderr.split('\n').filter((l) => l && !/kvm/i.test(l)).join('\n');
      this.fail(
        new QemuError(
          this.closed ? 'GUEST_CLOSED' : 'GUEST_EXITED',
          this.closed ? 'the guest was closed' : `QEMU exited (${how})${qemuSaid ? `: ${qemuSaid}` : ''}\n${this.consoleTail()}`,
        ),
      );
    });
  }

  consoleTail(): string {
    // eslint-disable-next-line no-control-regex -- SeaBIOS and the kernel write terminal escapes to the console
    const lines = this.parser.tail().map((l) => l.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/[\x00-\x08\x0b-\x1f]/g, ''));
    return `last console lines:\n${lines.map((l) => `  | ${l}`).join('\n')}`;
  }

  waitReady(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.exited) return reject(this.exited);
      const timer = setTimeout(() => {
        const err = new QemuError('BOOT_TIMEOUT', `the guest did not come up within ${Math.round(timeoutMs / 1000)} s (kernel ${this.kernel.release})\n${this.consoleTail()}`);
        this.readyWaiter = undefined;
        reject(err);
      }, timeoutMs);
      this.readyWaiter = {
        resolve: () => {
          clearTimeout(timer);
          this.readyWaiter = undefined;
          resolve();
        },
        reject: (e) => {
          clearTimeout(timer);
          this.readyWaiter = undefined;
          reject(e);
        },
      };
    });
  }

  private answer(a: ProtocolAnswer): void {
    const w = this.waiting.get(a.seq);
    if (!w) return;
    this.waiting.delete(a.seq);
    w.resolve({ status: a.status, stdout: a.stdout, stderr: a.stderr });
  }

  private fail(err: Error): void {
    if (!this.exited) this.exited = err;
    this.readyWaiter?.reject(err);
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
    if (!this.closed) void this.close();
  }

  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const next = this.queue.then(() => this.send(command, options.timeoutMs ?? this.execTimeoutMs));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private send(command: string, timeoutMs: number): Promise<ExecResult> {
    if (this.exited) return Promise.reject(this.exited);
    const seq = ++this.seq;
    return new Promise<ExecResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(seq);
        const err = new QemuError(
          'EXEC_TIMEOUT',
          `no answer to ${JSON.stringify(command.length > 200 ? `${command.slice(0, 200)}...` : command)} within ${Math.round(timeoutMs / 1000)} s; the guest was stopped\n${this.consoleTail()}`,
        );
        reject(err);
        this.fail(err);
      }, timeoutMs);
      this.waiting.set(seq, {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.stdin!.write(encodeCommand(seq, command));
    });
  }

  async dmesg(options: { clear?: boolean } = {}): Promise<string> {
    const r = await this.exec(options.clear ? 'dmesg -c' : 'dmesg');
    if (r.status !== 0) throw new QemuError('PROTOCOL', `dmesg failed in the guest (status ${r.status}): ${r.stderr.trim()}`);
    return r.stdout;
  }

  async writeFile(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
    const target = shellWord(checkGuestPath(path));
    const b64 = Buffer.from(data).toString('base64');
    const steps = [`mkdir -p "$(dirname ${target})" && : > ${target}`];
    for (let i = 0; i < b64.length; i += WRITE_CHUNK) steps.push(`printf %s '${b64.slice(i, i + WRITE_CHUNK)}' | base64 -d >> ${target}`);
    steps.push(`chmod ${mode.toString(8)} ${target}`);
    for (const step of steps) {
      const r = await this.exec(step);
      if (r.status !== 0) throw new QemuError('PROTOCOL', `writing ${path} in the guest failed (status ${r.status}): ${r.stderr.trim()}`);
    }
  }

  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      if (this.child.exitCode === null && this.child.signalCode === null) {
        const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
        this.child.kill('SIGKILL');
        await gone;
      }
    }
    await rm(this.workDir, { recursive: true, force: true });
  }
}

function qemuArgs(kernel: Kernel, initrd: string, options: BootOptions): string[] {
  const args = [
    '-machine', 'q35', '-accel', 'kvm', '-accel', 'tcg', '-cpu', 'max',
    '-m', String(options.memory ?? 512), '-smp', '1',
    '-nographic', '-no-reboot', '-monitor', 'none', '-serial', 'stdio', '-net', 'none',
    '-kernel', kernel.vmlinuz, '-initrd', initrd,
    '-append', `console=ttyS0 quiet panic=-1${options.append ? ` ${options.append}` : ''}`,
  ];
  if (options.share) args.push('-virtfs', `local,path=${virtfsPath(options.share)},mount_tag=${SHARE_TAG},security_model=none,readonly=on`);
  // The host root spans several file systems: without remapping, their inode numbers collide in the
  // guest and the overlay confuses folders (the chroot's /proc showed /sys).
  if (options.hostRoot) args.push('-virtfs', `local,path=/,mount_tag=${HOST_ROOT_TAG},security_model=none,readonly=on,multidevs=remap`);
  return args;
}

/**
 * Boots a real kernel under QEMU (KVM when the machine has it, TCG otherwise; one vCPU) from the
 * cached base initramfs plus a payload archive, and waits for the guest's driver. The caller must
 * `close()` the guest; QEMU is also killed when the node process exits.
 */
export async function bootGuest(options: BootOptions): Promise<Guest> {
  if (!isKernelSeries(options.kernel) && typeof options.kernel !== 'object') {
    throw new QemuError('BAD_INPUT', `unknown kernel ${JSON.stringify(options.kernel)}: use \`6.1\` or \`6.12\``);
  }
  if (options.share !== undefined) {
    let isDir = false;
    try {
      isDir = isAbsolute(options.share) && statSync(options.share).isDirectory();
    } catch {
      isDir = false;
    }
    if (!isDir) throw new QemuError('BAD_INPUT', `\`share\` must be an absolute path to an existing folder, not ${JSON.stringify(options.share)}`);
  }
  const qemu = await requireTool('qemu-system-x86_64', 'qemu-system-x86');
  await requireTool('cpio', 'cpio');
  const cache = options.cache ?? cacheDir();
  const kernel = typeof options.kernel === 'object' ? options.kernel : await fetchKernel(options.kernel, { cache });
  const base = await baseInitramfs(kernel, cache);
  const token = randomBytes(8).toString('hex');
  const payload = options.payload ?? [];
  const perRun = await buildArchive([
    ...payload,
    { path: '/etc/pw.conf', data: settingsFile({ token, share: options.share !== undefined, hostRoot: options.hostRoot ?? false, payload: payload.map((p) => p.path) }) },
  ]);
  const workDir = await mkdtemp(join(tmpdir(), 'patchwise-guest-'));
  const initrd = join(workDir, 'initrd.cpio.gz');
  await writeFile(initrd, Buffer.concat([await readFile(base), perRun]));
  const started = Date.now();
  const child = spawn(qemu, qemuArgs(kernel, initrd, options), { stdio: ['pipe', 'pipe', 'pipe'] });
  track(child);
  const guest = new QemuGuest(kernel, child, token, workDir, options.execTimeoutMs ?? 120_000, options.onConsole);
  try {
    await guest.waitReady(options.bootTimeoutMs ?? 180_000);
  } catch (err) {
    await guest.close();
    throw err;
  }
  guest.bootMs = Date.now() - started;
  return guest;
}
