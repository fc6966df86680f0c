export * from './keystore/index';
export * from './device/index';
