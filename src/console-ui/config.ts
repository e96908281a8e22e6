/** What the server tells the page about itself, as JSON in `<meta name="dino-console">` (src/http/console/site.ts). */
export interface ConsoleSettings {
  /** The embedded broker's WebSocket port, on the host this page came from. */
  ws_port: number | null;
  /** Or an external broker's WebSocket URL. */
  ws_url: string | null;
  topic_prefix: string;
  /** The broker wants a JWT as password. */
  tokens: boolean;
  /** The API can mint one (`POST /v1/users/{id}/token`). */
  minting: boolean;
  /** The REST API wants the API key. */
  api_key: boolean;
}

export const settings = JSON.parse(document.querySelector('meta[name="dino-console"]')?.getAttribute('content') ?? '{}') as ConsoleSettings;

/** The broker's WebSocket URL as this browser reaches it, or undefined when there is none. */
export function brokerUrl(): string | undefined {
  if (settings.ws_url) return settings.ws_url;
  if (settings.ws_port === null) return undefined;
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  // `hostname` keeps an IPv6 address's brackets (`[::1]`), as a URL needs them.
  return `${scheme}://${location.hostname}:${settings.ws_port}/mqtt`;
}
