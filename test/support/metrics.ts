/** One scrape of a Prometheus endpoint: the value of each series, looked up by name and labels in any order. */
export class Scrape {
  private constructor(readonly text: string, private readonly series: Map<string, number>) {}

  static parse(text: string): Scrape {
    const series = new Map<string, number>();
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      const cut = line.lastIndexOf(' ');
      const { name, labels } = parseSeries(line.slice(0, cut));
      series.set(seriesKey(name, labels), Number(line.slice(cut + 1)));
    }
    return new Scrape(text, series);
  }

  /** The series' value; undefined when the scrape has no such series. */
  value(name: string, labels: Record<string, string> = {}): number | undefined {
    return this.series.get(seriesKey(name, labels));
  }

  /** The series' value, 0 when absent (a counter nobody incremented yet). */
  count(name: string, labels: Record<string, string> = {}): number {
    return this.value(name, labels) ?? 0;
  }

  /** Every label set a family has samples for. */
  labelSets(name: string): Array<Record<string, string>> {
    return [...this.series.keys()].map((key) => parseSeries(key)).filter((s) => s.name === name).map((s) => s.labels);
  }

  /** Whether the exposition declares the family (`# TYPE name …`), samples or not. */
  declares(name: string): boolean {
    return this.text.includes(`# TYPE ${name} `);
  }
}

/** GETs `url` and parses it; fails on any status but 200. */
export async function scrape(url: string, headers: Record<string, string> = {}): Promise<Scrape> {
  const response = await fetch(url, { headers });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${text}`);
  return Scrape.parse(text);
}

function parseSeries(text: string): { name: string; labels: Record<string, string> } {
  const brace = text.indexOf('{');
  if (brace < 0) return { name: text, labels: {} };
  const labels: Record<string, string> = {};
  for (const [, key, value] of text.slice(brace).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
  return { name: text.slice(0, brace), labels };
}

const seriesKey = (name: string, labels: Record<string, string>) =>
  `${name}{${Object.keys(labels).sort().map((k) => `${k}="${labels[k]}"`).join(',')}}`;
