import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from './security';
import { rendererContentSecurityPolicy } from '../core/content-security-policy';

describe('the renderer CSP, written once for the window and the host (#17)', () => {
  it('allows our own origin only, and on the host its sockets', () => {
    const window = rendererContentSecurityPolicy();
    expect(window).toContain("default-src 'self'; script-src 'self';");
    expect(window).toContain("; connect-src 'self'; object-src 'none';");
    const host = contentSecurityPolicy('ws://127.0.0.1:9 ws://localhost:9');
    expect(host).toBe(
      window.replace("connect-src 'self'", "connect-src 'self' ws://127.0.0.1:9 ws://localhost:9"),
    );
    expect(host).not.toContain('unsafe');
  });
});
