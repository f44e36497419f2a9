#!/usr/bin/env node
// `npm test`: type-check, build, unit tests, bundle checks (size budget, CSP safety)
// and real-Chromium tests. Browser tests are skipped loudly without Chromium,
// and fail the run under CI=true.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chromePath } from './e2e/browser-path.mjs';

const run = (label, cmd, args, env = {}) => {
  console.log(`\n── ${label} ──`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) {
    console.error(`\n✖ ${label} failed`);
    process.exit(r.status || 1);
  }
};

const bin = (name) => `node_modules/.bin/${name}`;
// Each vitest run also writes a JSON report, so the run ends with one line of totals.
const reports = [];
const report = (name) => {
  const file = `test-results/${name}.json`;
  reports.push(file);
  return ['--reporter=default', '--reporter=json', `--outputFile.json=${file}`];
};
const totals = () =>
  reports.reduce(
    (t, f) => {
      try {
        const r = JSON.parse(readFileSync(f, 'utf8'));
        t.passed += r.numPassedTests;
        t.failed += r.numFailedTests;
        t.skipped += r.numPendingTests + (r.numTodoTests ?? 0);
      } catch {
        /* no report: the run itself failed and exited above */
      }
      return t;
    },
    { passed: 0, failed: 0, skipped: 0 },
  );
if (!existsSync('node_modules')) {
  console.error('node_modules is missing: run `npm install` (or `npm ci`) first.');
  process.exit(1);
}

run('type-check', bin('tsc'), ['--noEmit', '-p', 'tsconfig.json']);
run('build', bin('rollup'), ['-c', '--silent']);
run('unit tests (happy-dom)', bin('vitest'), ['run', '--config', 'test/vitest.config.ts', ...report('unit')]);
run('bundle checks', process.execPath, ['test/bundle-check.mjs']);

const chrome = chromePath();
if (!chrome) {
  const msg = [
    '',
    '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
    '!! BROWSER TESTS SKIPPED: no Chromium found.                            !!',
    '!! Install it with: apt-get update && apt-get install -y chromium       !!',
    '!! or set CHROME_PATH to a Chromium/Chrome binary.                      !!',
    '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
  ].join('\n');
  console.error(msg);
  if (process.env.CI) {
    console.error('CI=true: a missing browser is a failure.');
    process.exit(1);
  }
  const t = totals();
  console.log(`tests: ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped (browser tests not run)`);
  process.exit(0);
}
run('browser tests (Chromium)', bin('vitest'), ['run', '--config', 'test/e2e/vitest.config.ts', ...report('e2e')], { CHROME_PATH: chrome, WAYMARK_REQUIRE_BROWSER: '1' });
const t = totals();
console.log('\n✔ all checks passed');
console.log(`tests: ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`);
