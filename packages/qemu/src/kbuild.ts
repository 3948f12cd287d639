import { run } from './exec.js';

/**
 * Builds the out-of-tree modules of `dir` with kbuild against a kernel's headers
 * (`make -C headersDir M=dir modules`): one make run for every module the folder's Kbuild lists.
 * `variables` are extra `NAME=value` words (e.g. `CONFIG_TEST_LIVEPATCH=m`).
 */
export async function kbuild(headersDir: string, dir: string, variables: readonly string[] = []): Promise<void> {
  await run('make', ['-s', '-C', headersDir, `M=${dir}`, ...variables, '-j2', 'modules']);
}
