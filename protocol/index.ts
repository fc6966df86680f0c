export * from './api';
export * from './money';
