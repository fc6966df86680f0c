import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export class MachineIdError extends Error {
  override readonly name = 'MachineIdError';
  readonly code = 'MACHINE_ID_UNAVAILABLE';
}

/**
 * The OS's own stable identifier for this installation (systemd's machine-id, Windows' MachineGuid,
 * the Mac's IOPlatformUUID). It never leaves the device in clear: callers hash it into a fingerprint.
 */
export async function readMachineId(platform: NodeJS.Platform = process.platform): Promise<string> {
  try {
    const id = await readRaw(platform);
    const trimmed = id.trim().toLowerCase();
    if (!/^[0-9a-f-]{16,64}$/.test(trimmed)) throw new Error(`unexpected format "${trimmed.slice(0, 64)}"`);
    return trimmed;
  } catch (cause) {
    throw new MachineIdError(`This device's machine id cannot be read: ${(cause as Error).message}`, {
      cause,
    });
  }
}

async function readRaw(platform: NodeJS.Platform): Promise<string> {
  switch (platform) {
    case 'linux': {
      // Containers often ship an empty /etc/machine-id; dbus keeps its own copy.
      for (const file of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
        const text = await readFile(file, 'utf8').catch(() => '');
        if (text.trim()) return text;
      }
      throw new Error('neither /etc/machine-id nor /var/lib/dbus/machine-id holds an id');
    }
    case 'win32': {
      const { stdout } = await run('reg', [
        'query',
        'HKLM\\SOFTWARE\\Microsoft\\Cryptography',
        '/v',
        'MachineGuid',
      ]);
      const match = /MachineGuid\s+REG_SZ\s+(\S+)/.exec(stdout);
      if (!match?.[1]) throw new Error('MachineGuid not found in the registry');
      return match[1];
    }
    case 'darwin': {
      const { stdout } = await run('ioreg', ['-rd1', '-c', 'IOPlatformExpertDevice']);
      const match = /"IOPlatformUUID" = "([^"]+)"/.exec(stdout);
      if (!match?.[1]) throw new Error('IOPlatformUUID not found');
      return match[1];
    }
    default:
      throw new Error(`unsupported platform ${platform}`);
  }
}
