import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Test support: keytar on Linux needs a D-Bus session with an unlocked Secret Service. CI and
 * headless machines have neither, so when no session bus is configured we start a private one
 * (dbus-run-session + gnome-keyring-daemon unlocked with a throwaway password) for this process and
 * stop it afterwards. Its keyrings live in a temporary XDG_DATA_HOME, so a login keyring left in
 * $HOME with another password cannot leave ours locked. When DBUS_SESSION_BUS_ADDRESS is already set, the existing session is used.
 */
export interface SecretServiceSession {
  /** True when this call started the bus (and stop() will end it). */
  readonly started: boolean;
  stop(): Promise<void>;
}

let shared: { session: Promise<SecretServiceSession>; users: number } | undefined;

export async function ensureSecretService(timeoutMs = 10_000): Promise<SecretServiceSession> {
  if (process.platform !== 'linux' || process.env.DBUS_SESSION_BUS_ADDRESS) {
    return { started: false, stop: async () => {} };
  }
  if (!shared) shared = { session: startSession(timeoutMs), users: 0 };
  shared.users++;
  const inner = await shared.session;
  let stopped = false;
  return {
    started: inner.started,
    async stop() {
      if (stopped || !shared) return;
      stopped = true;
      if (--shared.users === 0) {
        shared = undefined;
        await inner.stop();
      }
    },
  };
}

function startSession(timeoutMs: number): Promise<SecretServiceSession> {
  const script =
    'echo -n outpost-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 && ' +
    'echo "BUS=$DBUS_SESSION_BUS_ADDRESS" && exec sleep 86400 >/dev/null 2>&1';
  // detached: the session gets its own process group, which stop() signals as a whole. Only the
  // address line is read from stdout; the daemons never write to our pipes, so closing them after
  // start-up cannot kill them with SIGPIPE.
  const dataHome = mkdtempSync(join(tmpdir(), 'outpost-keyring-'));
  const child = spawn('dbus-run-session', ['--', 'bash', '-c', script], {
    stdio: ['ignore', 'pipe', 'ignore'],
    detached: true,
    env: { ...process.env, XDG_DATA_HOME: dataHome },
  });
  const cleanup = () => {
    killGroup(child);
    rmSync(dataHome, { recursive: true, force: true });
  };
  return new Promise<SecretServiceSession>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`no Secret Service after ${timeoutMs} ms`)), timeoutMs);
    const fail = (e: Error) => {
      clearTimeout(timer);
      cleanup();
      reject(e);
    };
    child.on('error', (e) => fail(new Error(`cannot start dbus-run-session: ${e.message}`)));
    child.on('exit', (code) => fail(new Error(`dbus-run-session exited with ${code}`)));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /BUS=(.+)\n/.exec(out);
      if (!match?.[1]) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.unref();
      child.stdout?.destroy();
      process.env.DBUS_SESSION_BUS_ADDRESS = match[1];
      const stopOnExit = cleanup;
      process.once('exit', stopOnExit);
      resolve({
        started: true,
        async stop() {
          process.off('exit', stopOnExit);
          cleanup();
          delete process.env.DBUS_SESSION_BUS_ADDRESS;
        },
      });
    });
  });
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // already gone
  }
}
