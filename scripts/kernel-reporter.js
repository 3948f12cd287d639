// Prints the real-kernel suite's summary the way the project's other runners do: "N passed, M failed"
// (and the skipped count when there is one, so a skip is never silent).
export default class CountReporter {
  onTestRunEnd(testModules) {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') counts.passed++;
        else if (state === 'failed') counts.failed++;
        else counts.skipped++;
      }
      if (mod.state() === 'failed' && [...mod.children.allTests()].length === 0) counts.failed++;
    }
    const skipped = counts.skipped ? `, ${counts.skipped} skipped` : '';
    process.stdout.write(`\nreal-kernel suite: ${counts.passed} passed, ${counts.failed} failed${skipped}\n`);
  }
}
