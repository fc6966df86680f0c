export * from './codec';
export * from './errors';
export * from './formats';
export * from './request';
export * from './token';
export * from './issuer-list';
export * from './request-ref';
