export * from './errors';
export * from './issue';
export * from './licence';
export * from './server-statement';
export * from './time-state';
export * from './verify';
