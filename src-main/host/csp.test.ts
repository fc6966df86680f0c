import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from './security';
import { FOLIATE_PAGINATOR_STYLE, rendererContentSecurityPolicy } from '../core/content-security-policy';

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

  it('allows the one fixed sheet of the installed foliate-js paginator, no other inline style', () => {
    // A foliate-js upgrade that changes the sheet fails here, not as a blank EPUB viewer.
    const source = readFileSync(createRequire(import.meta.url).resolve('foliate-js/paginator.js'), 'utf8');
    const start =
      source.indexOf('this.#root.innerHTML = `<style>') + 'this.#root.innerHTML = `<style>'.length;
    const css = source.slice(start, source.indexOf('</style>', start));
    const hash = `sha256-${createHash('sha256').update(css).digest('base64')}`;
    expect(hash).toBe(FOLIATE_PAGINATOR_STYLE);
    expect(rendererContentSecurityPolicy()).toContain(`'${hash}'`);
    expect(rendererContentSecurityPolicy()).not.toContain('unsafe-inline');
  });
});
