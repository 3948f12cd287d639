/**
 * What a generated target module and the livepatches of it agree on. Every target-module function
 * has one signature, a seq_file show function: read through its /proc file it prints what runs it;
 * called by the module's own kernel thread with `m == NULL` and `v` pointing at a
 * `struct patchwise_sleep`, it sleeps until the thread is woken. A livepatch replacement of it
 * does the same, so a thread can sleep in the original or in a replacement, as in the simulator.
 */
import { seqShowBody } from './kernel-functions.js';

/** The struct both sides declare, word for word. */
export const SLEEP_ABI = `/* Passed as \`v\` (with m == NULL) by a target module's thread: sleep until woken. */
struct patchwise_sleep {
\tvoid (*sleep)(struct patchwise_sleep *self);
};
`;

/** A target-module function (or a replacement of one) named `cName` that prints `output`. */
export function showFunction(cName: string, output: string, attributes = ''): string {
  return `static ${attributes}int ${cName}(struct seq_file *m, void *v)
{
\tif (!m) {
\t\tstruct patchwise_sleep *s = v;

\t\tif (s)
\t\t\ts->sleep(s);
\t\treturn 0;
\t}
${seqShowBody(output)}}
`;
}

/** The folder of a target module's files under /proc. */
export function procDir(kernelName: string): string {
  return `patchwise_${kernelName}`;
}
