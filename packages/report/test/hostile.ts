/** A report whose every text field tries to become markup or script. */
import type { ReportScenario } from '@patchwise/report';

export const EVIL = '</script><script>window.pwned=1</script><img src=x onerror="window.pwned=2"><!--';

/** A run whose every text field is hostile. */
export function hostileScenario(): ReportScenario {
  return {
    name: `scenario ${EVIL}`,
    file: `file ${EVIL}.yaml`,
    description: `about ${EVIL}`,
    runs: [
      {
        label: `sim ${EVIL}`,
        source: 'sim',
        release: EVIL,
        policies: [`policy ${EVIL}`],
        passed: false,
        failure: `died ${EVIL}`,
        functions: [`vmlinux:${EVIL}`],
        events: [
          { kind: 'step', time: 0, index: 0, name: 'load', text: `load: ${EVIL}` },
          { kind: 'log', time: 0, level: 'info', text: `log ${EVIL}` },
          {
            kind: 'decision', time: 0, id: 1, gate: 'prePatch', operation: 'enable', patch: EVIL, outcome: 'denied', audit: false,
            policies: [`p ${EVIL}`],
            findings: [{ policy: `p ${EVIL}`, code: `code ${EVIL}`, message: `message ${EVIL}`, severity: 'error', hint: `hint ${EVIL}` }],
          },
          { kind: 'transition', time: 0, phase: 'init', patch: EVIL, target: 'patched', retries: 0, tasks: 3, switched: 0, pending: [] },
          { kind: 'stacks', time: 0, stacks: [{ function: `vmlinux:${EVIL}`, patches: [{ patch: EVIL, nop: false, transition: true }] }] },
          { kind: 'transition', time: 1000, phase: 'retry', patch: EVIL, target: 'patched', retries: 1, tasks: 3, switched: 2, pending: [{ pid: 7, comm: EVIL, reason: 'sleeping', blockedIn: EVIL }] },
          { kind: 'callback', time: 1000, patch: EVIL, stage: 'prePatch', object: EVIL },
          { kind: 'module', time: 1000, module: EVIL, action: 'load' },
          { kind: 'expect', time: 1000, step: 0, passed: false, message: `expected ${EVIL}` },
        ],
      },
    ],
  };
}

