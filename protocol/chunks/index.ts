export * from './cipher';
export * from './constants';
export * from './decrypt';
export * from './encrypt';
export * from './errors';
export * from './manifest';
export * from './manifest-hash';
export * from './range';
