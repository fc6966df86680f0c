export * from './auth';
export * from './codes';
export * from './common';
export * from './devices';
export * from './error';
export * from './health';
export * from './policies';
export * from './routes';
