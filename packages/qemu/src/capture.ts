import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { QemuError } from './errors.js';
import { checkGuestPath } from './initramfs.js';
import type { Guest } from './guest.js';
import { shellWord } from './init-script.js';

/** One node of a tree copied out of the guest (sysfs, procfs): what a reader of `--system ROOT` sees. */
export type CapturedEntry =
  | { readonly kind: 'dir'; readonly path: string; readonly mode: string }
  | { readonly kind: 'link'; readonly path: string; readonly mode: string; readonly target: string }
  | { readonly kind: 'file'; readonly path: string; readonly mode: string; readonly content: Buffer }
  /** A file that exists but cannot be read (6.1's write-only `force`: EACCES even for root). */
  | { readonly kind: 'unreadable'; readonly path: string; readonly mode: string; readonly error: string };

/**
 * Lists every path under `paths` (pruning folder names in `prune`) with one `stat` for all, then reads
 * each file; under TCG each process costs tens of milliseconds, so the listing is batched, and a file
 * of one printable line (most sysfs attributes) is read by the shell itself (`T`, no process at all);
 * anything else goes through `base64` (`F`).
 */
function captureScript(paths: readonly string[], prune: readonly string[]): string {
  const pruned = prune.length ? `\\( ${prune.map((p) => `-name ${shellWord(p)}`).join(' -o ')} \\) -prune -o ` : '';
  return [
    `find ${paths.map(shellWord).join(' ')} ${pruned}-exec stat -c '%F|%a|%n' {} + 2>/dev/null > /tmp/.pw-list`,
    `while IFS='|' read -r kind mode p; do`,
    `  case "$kind" in`,
    `    directory) printf 'D|%s|%s\\n' "$mode" "$p" ;;`,
    `    'symbolic link') printf 'L|%s|%s|%s\\n' "$mode" "$p" "$(readlink "$p")" ;;`,
    `    regular*) if { IFS= read -r a && ! IFS= read -r b; } < "$p" 2>/dev/null && case "$a" in *[!\\ -~]*|*'|'*) false ;; *) true ;; esac; then printf 'T|%s|%s|%s\\n' "$mode" "$p" "$a";`,
    `      elif c=$(base64 -w0 "$p" 2>/tmp/.pw-e); then printf 'F|%s|%s|%s\\n' "$mode" "$p" "$c"; else printf 'E|%s|%s|%s\\n' "$mode" "$p" "$(head -c 200 /tmp/.pw-e | tr '\\n|' '  ')"; fi ;;`,
    `  esac`,
    `done < /tmp/.pw-list`,
  ].join('\n');
}

/** Parses the capture script's output; exported for tests. */
export function parseCapture(text: string): CapturedEntry[] {
  const entries: CapturedEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const parts = line.split('|');
    const [tag, mode] = parts;
    if (parts.length < 3 || !mode) throw new QemuError('PROTOCOL', `unreadable capture line: ${JSON.stringify(line.slice(0, 120))}`);
    if (tag === 'D') entries.push({ kind: 'dir', mode, path: parts.slice(2).join('|') });
    else if (tag === 'L') entries.push({ kind: 'link', mode, path: parts.slice(2, -1).join('|'), target: parts.at(-1)! });
    else if (tag === 'T') entries.push({ kind: 'file', mode, path: parts.slice(2, -1).join('|'), content: Buffer.from(`${parts.at(-1)!}\n`, 'utf8') });
    else if (tag === 'F') entries.push({ kind: 'file', mode, path: parts.slice(2, -1).join('|'), content: Buffer.from(parts.at(-1)!, 'base64') });
    else if (tag === 'E') entries.push({ kind: 'unreadable', mode, path: parts.slice(2, -1).join('|'), error: parts.at(-1)!.trim() });
    else throw new QemuError('PROTOCOL', `unreadable capture line: ${JSON.stringify(line.slice(0, 120))}`);
  }
  return entries;
}

/** Copies the trees under `paths` out of the guest: folders, links (not followed), files and their modes. */
export async function captureTree(guest: Guest, paths: readonly string[], options: { prune?: readonly string[] } = {}): Promise<CapturedEntry[]> {
  const r = await guest.exec(captureScript(paths, options.prune ?? []));
  if (r.status !== 0) throw new QemuError('PROTOCOL', `capturing ${paths.join(', ')} failed (status ${r.status}): ${r.stderr.trim()}`);
  return parseCapture(r.stdout);
}

/**
 * Writes captured entries under `root` (an empty folder the caller owns), so that a reader of a
 * system root (`@patchwise/sysfs`'s `readSystem`) reads the guest as it was: folders, files and
 * links as captured (links are recreated, never followed); an unreadable file becomes an empty file.
 */
export async function writeCapture(entries: readonly CapturedEntry[], root: string): Promise<void> {
  for (const entry of entries) {
    const target = join(root, checkGuestPath(entry.path));
    if (entry.kind === 'dir') {
      await mkdir(target, { recursive: true });
      continue;
    }
    await mkdir(dirname(target), { recursive: true });
    if (entry.kind === 'link') await symlink(entry.target, target);
    else await writeFile(target, entry.kind === 'file' ? entry.content : '');
  }
}
