export * from './common';
export * from './sales';
export * from './catalog';
export * from './materials';
export * from './licences';
export * from './settings';
export * from './pos';
