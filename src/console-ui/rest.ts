/** A refusal of the REST API: its HTTP status and Dino's `detail` ("605: invalid parameters: …"). */
export class RestError extends Error {
  constructor(readonly status: number, detail: string) {
    super(status === 401 ? `${detail} — this Dino needs its API key (DINO_API_KEY): enter it above` : detail);
  }
}

/** Dino's REST API on the server that served the page, with the API key when the page was given one. */
export class Rest {
  constructor(private readonly apiKey: string | undefined) {}

  get hasKey(): boolean {
    return this.apiKey !== undefined;
  }

  /** `path` is relative (`v1/…`), so the page works behind a proxy that mounts Dino under a prefix. */
  async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const detail = (json as { detail?: string } | undefined)?.detail ?? `HTTP ${response.status} ${response.statusText}`;
      throw new RestError(response.status, detail);
    }
    return json as T;
  }
}
