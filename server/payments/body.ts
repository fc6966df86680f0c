/**
 * A 500-sale bundle with many lines per sale exceeds the app-wide 1 MB JSON limit (server/app.ts);
 * ~5 lines per sale already reach it. POST /offline/push gets its own limit (ROUTE_BODY_LIMITS in
 * server/app.ts): the envelope schema allows 28 MB of ciphertext.
 */
export const PUSH_BODY_LIMIT = '32mb';
