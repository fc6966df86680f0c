import { spawn } from 'node:child_process';
import { chooseHost, fallbackMessage } from './electron-install.mjs';

/**
 * `npm start`: the Electron app, its binary installed first where the network allows (the electron
 * package's own installer). Where that fails (offline build machines), say why in one line and run
 * the same app in the browser host instead of failing. The back office is built too: the app's local
 * shop serves it (issue #19).
 */
const run = (command, args) =>
  new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit', shell: process.platform === 'win32' });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });

const choice = await chooseHost();
if (choice.host === 'electron' && choice.installed) console.log(`Electron installed: ${choice.binary}`);
if (choice.host === 'browser') console.warn(fallbackMessage(choice.reason));

const built = await run('npm', ['run', 'build:admin', '--silent']);
if (built !== 0) process.exit(built);
if (choice.host === 'electron') process.exit(await run('npx', ['electron-vite', 'preview']));
process.exit(await run('npm', ['run', 'start:web']));
