/** The part of epub.js 0.4 the viewer uses (the package ships no types). */
declare module 'epubjs/src/index.js' {
  export interface Rendition {
    display(target?: number | string): Promise<unknown>;
    next(): Promise<unknown>;
    prev(): Promise<unknown>;
    on(event: 'displayed', listener: (section: { index: number }) => void): void;
    on(event: 'displayerror', listener: (error: unknown) => void): void;
    /** Called with each chapter's document once it is rendered, before it is shown. */
    hooks: { content: { register(hook: (contents: { document: Document }) => void): void } };
    destroy(): void;
  }
  export interface Book {
    spine: readonly unknown[];
    renderTo(element: HTMLElement, options: Record<string, unknown>): Rendition;
    destroy(): void;
  }
  export default function ePub(input: string | ArrayBuffer, options?: Record<string, unknown>): Promise<Book>;
}

declare module 'epubjs/src/managers/default/index.js' {
  const DefaultViewManager: unknown;
  export default DefaultViewManager;
}
declare module 'epubjs/src/managers/views/iframe.js' {
  const IframeView: unknown;
  export default IframeView;
}
