type Child = Node | string | undefined | null | false;

/** An element with a class and children; empty children are left out. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className = '', ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.append(...children.filter((child): child is Node | string => child !== undefined && child !== null && child !== false && child !== ''));
  return node;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no #${id}`);
  return node as T;
}

/** A float UNIX time (seconds, as Dino's events and answers carry) as the local date and time, to the millisecond. */
export function timeOf(seconds: unknown): string {
  if (typeof seconds !== 'number') return '';
  const date = new Date(seconds * 1000);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} `
    + `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** A message of the page's notice line: what went wrong, said once, in the page (not only in the console log). */
export function notify(text: string, kind: 'error' | 'info' = 'error'): void {
  const notice = byId('notice');
  notice.textContent = text;
  notice.className = text ? kind : '';
}
