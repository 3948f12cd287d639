/**
 * The core is tested on the simulated machine (`@patchwise/sim` is a dev dependency only), with the
 * same scaffolding as the machine's own tests.
 */
export * from '../../sim/test/support.js';
