export * from './keystore/index';
export * from './device/index';
export * from './hardware/index';
