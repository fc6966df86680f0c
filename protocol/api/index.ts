export * from './contract';
export * from './errors';
export * from './wire';
export * from './bridge';
export * from './library';
export * from './hardware';
export * from './server-url';
export * from './error-codes';
