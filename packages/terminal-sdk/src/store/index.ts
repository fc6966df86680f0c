export * from './common';
export * from './sales';
export * from './catalog';
export * from './settings';
export * from './outbox';
export * from './collections';
