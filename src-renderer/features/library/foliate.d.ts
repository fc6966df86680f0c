/** The parts of foliate-js (plain ES modules, no types of their own) the EPUB viewer uses. */
declare module 'foliate-js/view.js' {
  export interface FoliateTocItem {
    label: string;
    href: string;
    subitems?: FoliateTocItem[];
  }
  export interface FoliateRelocate {
    cfi: string;
    fraction?: number;
    tocItem?: { label?: string; href?: string } | null;
  }
  export type FoliateSearchResult =
    'done' | { progress: number } | { label: string; subitems: { cfi: string; excerpt: unknown }[] };
  export class View extends HTMLElement {
    book: { toc?: FoliateTocItem[]; sections: unknown[] };
    open(book: Blob): Promise<void>;
    init(options: { lastLocation?: string | null; showTextStart?: boolean }): Promise<void>;
    goTo(target: string | number): Promise<unknown>;
    prev(): Promise<void>;
    next(): Promise<void>;
    search(options: { query: string }): AsyncGenerator<FoliateSearchResult>;
    clearSearch(): void;
    close(): void;
  }
}
declare module 'foliate-js/overlayer.js' {
  export class Overlayer {
    static highlight: unknown;
  }
}
