import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where downloaded kernel packages, extracted trees and initramfs images live. CI keeps this folder
 * between runs, so everything in it is keyed by the Debian package version it came from.
 */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env['PATCHWISE_CACHE_DIR']) return env['PATCHWISE_CACHE_DIR'];
  const base = env['XDG_CACHE_HOME'] || join(homedir(), '.cache');
  return join(base, 'patchwise');
}
