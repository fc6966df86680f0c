import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * `npm test`: every check the project has, in the order that fails fastest, inside a D-Bus session
 * with an unlocked Secret Service so the keychain tests talk to a real one.
 */
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

if (!process.env.OUTPOST_TEST_SESSION && process.platform === 'linux') {
  if (!has('dbus-run-session') || !has('gnome-keyring-daemon')) {
    console.error('npm test needs dbus and gnome-keyring (apt-get install dbus gnome-keyring): see README.');
    process.exit(1);
  }
  // A throwaway keyring: tests never touch the developer's real secrets.
  const keyringHome = mkdtempSync(join(tmpdir(), 'outpost-keyring-'));
  const inner = [
    'echo -n outpost-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null',
    `exec node ${JSON.stringify(process.argv[1])} ${process.argv
      .slice(2)
      .map((a) => JSON.stringify(a))
      .join(' ')}`,
  ].join(' && ');
  const child = spawn('dbus-run-session', ['--', 'sh', '-c', inner], {
    stdio: 'inherit',
    env: { ...process.env, OUTPOST_TEST_SESSION: '1', XDG_DATA_HOME: keyringHome },
  });
  child.on('exit', (code, signal) => {
    rmSync(keyringHome, { recursive: true, force: true });
    process.exit(code ?? (signal ? 1 : 0));
  });
} else {
  await runAll();
}

async function runAll() {
  const missing = [
    ['/usr/lib/postgresql/15/bin/initdb', 'postgresql'],
    [process.env.OUTPOST_CHROMIUM ?? '/usr/bin/chromium', 'chromium'],
  ].filter(([path]) => !existsSync(path));
  if (missing.length) {
    console.error(`Missing system packages: ${missing.map(([, pkg]) => pkg).join(', ')} (see README).`);
    process.exit(1);
  }
  for (const report of ['reports/vitest.json', 'reports/playwright.json']) rmSync(report, { force: true });
  const steps = [
    ['typecheck', 'npm', ['run', 'typecheck']],
    ['lint', 'npm', ['run', 'lint']],
    [
      'unit and integration tests',
      'npx',
      ['vitest', 'run', '--reporter=default', '--reporter=json', '--outputFile.json=reports/vitest.json'],
    ],
    ['build', 'npm', ['run', 'build']],
    ['end-to-end tests', 'npx', ['playwright', 'test']],
  ];
  const only = process.argv[2];
  let failed = false;
  for (const [name, cmd, args] of steps) {
    if (only && !name.startsWith(only)) continue;
    console.log(`\n=== ${name} ===`);
    const code = await new Promise((resolve) => {
      const child = spawn(cmd, args, { stdio: 'inherit' });
      child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
    });
    if (code !== 0) {
      console.error(`\n${name} failed (exit ${code})`);
      failed = true;
      break;
    }
  }
  summarise();
  process.exit(failed ? 1 : 0);
}

/** One closing line for the whole run, counted from both runners' JSON reports. */
function summarise() {
  let passed = 0;
  let failedCount = 0;
  let skipped = 0;
  const read = (file) => (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null);
  const vitest = read('reports/vitest.json');
  if (vitest) {
    passed += vitest.numPassedTests;
    failedCount += vitest.numFailedTests;
    skipped += vitest.numPendingTests + vitest.numTodoTests;
  }
  const playwright = read('reports/playwright.json');
  if (playwright?.stats) {
    passed += playwright.stats.expected + playwright.stats.flaky;
    failedCount += playwright.stats.unexpected;
    skipped += playwright.stats.skipped;
    for (const [title, reason] of skipReasons(playwright.suites ?? []))
      console.log(`skipped: ${title}: ${reason}`);
  }
  console.log(`\n${passed} passed, ${failedCount} failed, ${skipped} skipped`);
}

function* skipReasons(suites) {
  for (const suite of suites) {
    yield* skipReasons(suite.suites ?? []);
    for (const spec of suite.specs ?? []) {
      for (const test of spec.tests ?? []) {
        const skip = (test.annotations ?? []).find((a) => a.type === 'skip');
        if (test.status === 'skipped' && skip) yield [spec.title, skip.description ?? 'no reason given'];
      }
    }
  }
}
