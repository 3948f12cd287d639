import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { QemuError } from './errors.js';

/** Runs a host tool and returns its stdout; a failure names the command and carries its stderr. */
export function run(file: string, args: readonly string[], options: { cwd?: string; input?: Buffer } = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { cwd: options.cwd, encoding: 'buffer', maxBuffer: 512 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const detail = Buffer.isBuffer(stderr) ? stderr.toString('utf8').trim() : '';
        reject(new Error(`${file} ${args.join(' ')} failed: ${detail || err.message}`));
      } else resolve(stdout);
    });
    if (options.input) child.stdin?.end(options.input);
  });
}

/** Finds a tool on PATH (and the sbin folders, which a non-login PATH often lacks). */
export async function which(tool: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const dirs = [...(env['PATH'] ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, tool);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

export async function requireTool(tool: string, pkg: string): Promise<string> {
  const found = await which(tool);
  if (!found) {
    throw new QemuError(
      tool.startsWith('qemu') ? 'QEMU_MISSING' : 'TOOL_MISSING',
      `\`${tool}\` is not installed: run scripts/setup-real-kernel.sh (or apt-get install --no-install-recommends ${pkg})`,
    );
  }
  return found;
}
