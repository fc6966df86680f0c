import { MemoryKeyStore } from '@outpost/terminal-sdk';

/**
 * FOR UNIT TESTS OF LOGIC ONLY (not exported by native/keystore's index: the app never loads it). Keeps secrets in process memory, so nothing survives a restart and
 * nothing is protected. Tests of real key handling use KeytarKeyStore against a Secret Service.
 */
export class InMemoryKeyStoreForTests extends MemoryKeyStore {}
