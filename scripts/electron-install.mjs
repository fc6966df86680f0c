import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { electronBinary } from './electron-binary.mjs';

/** How long `npm start` lets the Electron download run before it gives up (OUTPOST_ELECTRON_INSTALL_TIMEOUT_MS). */
const DEFAULT_TIMEOUT_MS = 5 * 60_000;

/**
 * Which host `npm start` runs: the Electron app when its binary is there or the electron package's
 * own installer (`install-electron`, its install.js) can fetch it now; else the browser host, with
 * the installer's error in one line. `env` reaches the installer unchanged, so ELECTRON_MIRROR,
 * electron_config_cache and the proxy variables work as the electron package documents them.
 *
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {Promise<{ host: 'electron', binary: string, installed: boolean } | { host: 'browser', reason: string }>}
 */
export async function chooseHost(env = process.env) {
  const present = electronBinary(env);
  if (present) return { host: 'electron', binary: present, installed: false };
  const installer = join(
    dirname(createRequire(import.meta.url).resolve('electron/package.json')),
    'install.js',
  );
  const timeoutMs = Number(env.OUTPOST_ELECTRON_INSTALL_TIMEOUT_MS) || DEFAULT_TIMEOUT_MS;
  const outcome = await runInstaller(installer, env, timeoutMs);
  if (outcome.code === 0) {
    const binary = electronBinary(env);
    if (binary) return { host: 'electron', binary, installed: true };
    return { host: 'browser', reason: 'the Electron installer finished but left no Electron binary' };
  }
  return { host: 'browser', reason: oneLine(outcome.output, outcome.code) };
}

/** What `npm start` prints when it falls back: why (one line), and what to do about it. */
export function fallbackMessage(reason) {
  return [
    `Electron could not be installed: ${reason}`,
    'So Outpost starts in the browser host instead: open the URL below in Chromium, Chrome, Edge or Firefox.',
    'To get the desktop app, let this machine reach the Electron download (or set HTTPS_PROXY, or',
    'ELECTRON_MIRROR to a mirror), then run `npm start` again: it tries the download at every start.',
    '',
  ].join('\n');
}

/** The installer's first error line (its stack's head), else its exit. */
function oneLine(output, code) {
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('at '));
  const error =
    lines.find((line) => /error|failed|cannot|denied|refused|timed? ?out/i.test(line)) ?? lines[0];
  return error ? error.slice(0, 300) : `the Electron installer exited with ${code}`;
}

function runInstaller(installer, env, timeoutMs) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [installer], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk) => (output += chunk.toString());
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => {
      output = `the Electron download did not finish within ${Math.round(timeoutMs / 1000)} s\n${output}`;
      child.kill('SIGTERM');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: 1, output: `${error.message}\n${output}` });
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 1 : 0), output });
    });
  });
}
