/**
 * `npm run provisioning:sign -- --in provisioning.body.json --out provisioning.json`
 *
 * Signs a provisioning file (everything but `signature`, see docs/deployment.md) with the
 * organisation's key from the environment, after checking it the way the app will:
 *
 *   OUTPOST_ORG_KEY   Ed25519 private key, PKCS#8 PEM or base64 of the PKCS#8 DER (required)
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  signProvisioning,
  verifyProvisioning,
  type ProvisioningBody,
} from '../src-main/core/deploy/provisioning';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { in: { type: 'string' }, out: { type: 'string', default: 'provisioning.json' } },
  });
  const encoded = process.env.OUTPOST_ORG_KEY;
  if (!encoded?.trim()) throw new Error('OUTPOST_ORG_KEY is not set: refusing to write an unsigned file.');
  if (!values.in) throw new Error('--in <body.json> is required');
  const key = encoded.includes('-----BEGIN')
    ? createPrivateKey({ key: encoded, format: 'pem' })
    : createPrivateKey({ key: Buffer.from(encoded.trim(), 'base64'), format: 'der', type: 'pkcs8' });
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('OUTPOST_ORG_KEY is not an Ed25519 key.');
  const body = JSON.parse(await readFile(values.in, 'utf8')) as ProvisioningBody;
  const text = `${JSON.stringify(signProvisioning(body, key), null, 2)}\n`;
  const publicKey = createPublicKey(key).export({ format: 'pem', type: 'spki' }).toString();
  verifyProvisioning(text, { orgKeys: [publicKey] });
  await writeFile(values.out, text, { mode: 0o644 });
  console.log(`signed provisioning for ${body.org} → ${values.out}`);
}

main().catch((error: unknown) => {
  console.error(`provisioning:sign: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
});
