// A reporter for `node --test` in tests/run.sh's terms: a line per test
// ("ok", "skip" or "FAIL" with the first line of the error) and a last
// line "N passed, N failed, N skipped". Groups (describe) are not counted;
// a test file that cannot even load counts as one failure.
import path from 'node:path';

function why(error) {
  const e = error?.cause ?? error;
  return String(e?.message ?? e).split('\n')[0];
}

export default async function* reporter(source) {
  let passed = 0, failed = 0, skipped = 0;
  for await (const { type, data } of source) {
    if ((type !== 'test:pass' && type !== 'test:fail') || data.details?.type === 'suite') continue;
    const name = `${data.file ? `${path.basename(data.file, '.test.mjs')}: ` : ''}${data.name}`;
    if (type === 'test:fail') {
      failed++;
      yield `FAIL ${name}: ${why(data.details?.error)}\n`;
    } else if (data.skip !== undefined || data.todo !== undefined) {
      skipped++;
      yield `skip ${name}${typeof data.skip === 'string' ? `: ${data.skip}` : ''}\n`;
    } else {
      passed++;
      yield `ok   ${name}\n`;
    }
  }
  yield `${passed} passed, ${failed} failed, ${skipped} skipped\n`;
}
