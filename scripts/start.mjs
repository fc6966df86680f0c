import { spawn } from 'node:child_process';
import { electronBinary } from './electron-binary.mjs';

/**
 * `npm start`: the Electron app. Where the Electron binary could not be installed (offline build
 * machines), say so and run the same app in the browser host instead of failing.
 */
const run = (command, args) =>
  new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit', shell: process.platform === 'win32' });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });

if (electronBinary()) {
  process.exit(await run('npx', ['electron-vite', 'preview']));
} else {
  console.warn(
    'The Electron binary is not installed on this machine (npm could not download it), so Outpost\n' +
      'starts in the browser host instead: open the URL below in Chromium, Chrome, Edge or Firefox.\n',
  );
  process.exit(await run('npm', ['run', 'start:web']));
}
