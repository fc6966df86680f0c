export * from './canonical';
export * from './ed25519';
export * from './request-signature';
export * from './base64url';
