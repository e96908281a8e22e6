import { runInNewContext } from 'node:vm';

/** Just what public/docs.html's script uses of the DOM: elements built, attributed, appended, and their text. */
export class FakeElement {
  children: Array<FakeElement | string> = [];
  readonly attributes = new Map<string, string>();
  constructor(readonly tagName: string) {}

  setAttribute(name: string, value: string): void {
    this.attributes.set(name, String(value));
  }

  append(...nodes: unknown[]): void {
    for (const node of nodes) {
      if (typeof node !== 'string' && !(node instanceof FakeElement)) throw new Error(`append() of ${String(node)}`);
      this.children.push(node);
    }
  }

  set textContent(text: string) {
    this.children = [String(text)];
  }

  get textContent(): string {
    return this.children.map((child) => (typeof child === 'string' ? child : child.textContent)).join('');
  }

  /** Every element below this one, depth first. */
  descendants(): FakeElement[] {
    return this.children.flatMap((child) => (typeof child === 'string' ? [] : [child, ...child.descendants()]));
  }
}

/**
 * Runs a page's inline scripts against a DOM holding the page's elements with ids, with `fetch` resolved against
 * the page's own URL: what it renders, and every URL it asked for.
 */
export async function renderPage(html: string, pageUrl: string): Promise<{ byId: Map<string, FakeElement>; fetched: string[] }> {
  const byId = new Map([...html.matchAll(/<(\w+)[^>]*\bid="([^"]+)"/g)].map(([, tag, id]) => [id!, new FakeElement(tag!)]));
  const fetched: string[] = [];
  const document = {
    title: '',
    createElement: (tag: string) => new FakeElement(tag),
    getElementById: (id: string) => byId.get(id) ?? null,
  };
  const fetchFromPage = (url: string) => {
    const absolute = new URL(url, pageUrl).href;
    fetched.push(absolute);
    return fetch(absolute);
  };
  for (const [, script] of html.matchAll(/<script>([\s\S]*?)<\/script>/g)) {
    await runInNewContext(script!, { document, fetch: fetchFromPage });
  }
  return { byId, fetched };
}
