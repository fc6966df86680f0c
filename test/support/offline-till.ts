import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateHpkeKeyPair } from '../../protocol/hpke/keys';
import type { KeyStore } from '../../native/keystore';
import { createCore, type Core } from '../../src-main/core';
import { realKeychain, type RealKeychain } from '../../src-main/core/store/test-support';
import { startHost, type Host } from '../../src-main/host/host';
import { captureOutput } from './leak-capture';
import { seedEnrollment } from './seed-enrollment';
import { SN_POLICY } from './sn-policy';

/**
 * A data directory of a till enrolled against a server that is not there (sales are recorded
 * offline), and a renderer folder with a stub page for the browser host.
 */
export async function offlineTillDirs(
  prefix: string,
  keyStore: KeyStore,
): Promise<{ dataDir: string; rendererDir: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), prefix));
  await seedEnrollment(dataDir, keyStore, {
    serverUrl: 'http://127.0.0.1:9',
    hpkePublicKey: generateHpkeKeyPair().publicKey,
    policy: SN_POLICY,
  });
  const rendererDir = join(dataDir, '..', `renderer-${randomUUID()}`);
  await mkdir(rendererDir);
  await writeFile(join(rendererDir, 'index.html'), '<!doctype html><title>Outpost</title>');
  return { dataDir, rendererDir };
}

/**
 * A real core (OS keychain, encrypted store) in an offline till's data directory, served by the
 * browser host, with the console captured from before it starts. `hardware` replaces its buses.
 */
export async function startOfflineTill(
  prefix: string,
  hardware?: Parameters<typeof createCore>[0]['hardware'],
): Promise<{
  keychain: RealKeychain;
  dataDir: string;
  core: Core;
  host: Host;
  output: ReturnType<typeof captureOutput>;
}> {
  const keychain = await realKeychain();
  const { dataDir, rendererDir } = await offlineTillDirs(prefix, keychain.keyStore);
  const output = captureOutput();
  const core = await createCore({
    dataDir,
    appVersion: '0.0.0-test',
    platform: 'linux',
    defaultServerUrl: 'http://127.0.0.1:9',
    keyStore: keychain.keyStore,
    ...(hardware ? { hardware } : {}),
  });
  const host = await startHost({ handlers: core.handlers, rendererDir });
  return { keychain, dataDir, core, host, output };
}
