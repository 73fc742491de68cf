// Prints a line per test and, last, "N passed, N failed, N skipped", as
// every suite of make test does.
export default class LineReporter {
  constructor() { this.passed = 0; this.failed = 0; this.skipped = 0; }
  printsToStdio() { return true; }
  onTestEnd(test, result) {
    const name = test.titlePath().slice(2).join(' › ');
    if (result.status === 'skipped') {
      this.skipped++;
      console.log(`skip ${name}`);
    } else if (result.status === test.expectedStatus) {
      this.passed++;
      console.log(`ok   ${name} (${(result.duration / 1000).toFixed(1)} s)`);
    } else {
      this.failed++;
      console.log(`FAIL ${name}`);
      for (const e of result.errors) console.log(`  ${(e.message || String(e)).split('\n').slice(0, 12).join('\n  ')}`);
    }
    for (const s of result.stdout) process.stdout.write(`  ${s}`);
  }
  onError(error) {
    this.failed++;
    console.log(`FAIL ${error.message?.split('\n')[0]}`);
  }
  onEnd() {
    console.log(`${this.passed} passed, ${this.failed} failed, ${this.skipped} skipped`);
  }
}
