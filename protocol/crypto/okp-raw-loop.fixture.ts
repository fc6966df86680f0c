/**
 * Run by okp-raw.test.ts in a child process: seals to a fresh recipient again and again (each seal
 * makes an ephemeral X25519 key and exports it, as every bundle a till seals does) and exports
 * fresh Ed25519 keys. With JWK exports this process deadlocked on Node 20.20 within seconds; the
 * test sees it as a timeout. Prints "done N" when every round finished.
 */
import { generateKeyPairSync } from 'node:crypto';
import { generateHpkeKeyPair, openWith, sealTo } from '../hpke';
import { publicKeyRaw } from './ed25519';

const rounds = Number(process.argv[2] ?? '5000');
const params = { info: 'okp-raw loop', aad: 'aad' };
for (let i = 0; i < rounds; i++) {
  const recipient = generateHpkeKeyPair();
  const sealed = await sealTo(recipient.publicKey, new Uint8Array([i & 255]), params);
  if (i % 500 === 0) {
    const opened = await openWith(recipient.privateKey, sealed, params);
    if (opened[0] !== (i & 255)) throw new Error('sealed and opened differ');
  }
  publicKeyRaw(generateKeyPairSync('ed25519').publicKey);
}
console.log(`done ${rounds}`);
