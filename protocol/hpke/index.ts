export * from './errors';
export * from './keys';
export * from './seal';
export * from './suite';
