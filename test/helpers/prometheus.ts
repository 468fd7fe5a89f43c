/**
 * Reads a Prometheus text exposition (mcpo's GET /metrics) for assertions:
 *
 *   const families = parseMetrics(await (await fetch(`${url}/metrics`)).text());
 *   sample(families, 'mcpo_tool_calls_total', { tool: 'echo' })             // a counter or gauge
 *   sample(families, 'mcpo_tool_duration_seconds_count', { tool: 'echo' })  // a histogram's count (or _sum)
 *   sample(families, 'mcpo_tool_duration_seconds_bucket', { le: '0.5' })    // one bucket
 *   labelValues(families, 'mcpo_tool_calls_total', 'tool')                  // ['echo', …]
 *
 * Built on parse-prometheus-text-format (prom2json's shape: values are
 * strings, types upper case). That library keeps the labels of counters and
 * gauges, but flattens a histogram or summary as if it had only one unlabelled
 * series: labels, sums and counts of labelled series are lost, and the buckets
 * of every series overwrite each other. So the histogram and summary families
 * are hidden from it and their series rebuilt here, labels kept.
 */
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

export type Labels = Record<string, string>;
export interface ValueSeries {
  value: string;
  labels?: Labels;
}
export interface HistogramSeries {
  /** Cumulative counts keyed by `le` as written ("0.005", "1", "+Inf"). */
  buckets: Record<string, string>;
  count: string;
  sum: string;
  labels?: Labels;
}
export interface SummarySeries {
  quantiles?: Record<string, string>;
  count: string;
  sum: string;
  labels?: Labels;
}
export type MetricFamily =
  | { name: string; help: string; type: 'COUNTER' | 'GAUGE' | 'UNTYPED'; metrics: ValueSeries[] }
  | { name: string; help: string; type: 'HISTOGRAM'; metrics: HistogramSeries[] }
  | { name: string; help: string; type: 'SUMMARY'; metrics: SummarySeries[] };

type Grouped = { name: string; help: string; type: 'HISTOGRAM' | 'SUMMARY'; metrics: Array<HistogramSeries | SummarySeries> };

const METADATA = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s+(.*))?$/;

/** A value as the exposition format writes it: "+Inf", "-Inf" and "NaN" included. */
export function promNumber(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

/** Every metric family in `text`, in order of appearance. Throws on a line the library cannot parse. */
export function parseMetrics(text: string): MetricFamily[] {
  const lines = text.split('\n');
  // Which names are histograms or summaries, and their help.
  const grouped = new Map<string, { type: 'HISTOGRAM' | 'SUMMARY'; help: string }>();
  for (const line of lines) {
    const m = METADATA.exec(line.trim());
    if (m?.[1] === 'TYPE' && /^(histogram|summary)$/i.test(m[3] ?? '')) {
      grouped.set(m[2]!, { type: m[3]!.toUpperCase() as 'HISTOGRAM' | 'SUMMARY', help: '' });
    }
  }
  for (const line of lines) {
    const m = METADATA.exec(line.trim());
    const entry = m?.[1] === 'HELP' ? grouped.get(m[2]!) : undefined;
    if (entry) entry.help = m![3] ?? '';
  }
  // Without their TYPE and HELP lines, a histogram's _bucket/_sum/_count lines are untyped samples with every label kept.
  const kept = lines.filter((line) => {
    const m = METADATA.exec(line.trim());
    return !(m && grouped.has(m[2]!));
  });
  // The library drops the last sample line of a text that does not end with a newline.
  const parsed = parsePrometheusTextFormat(`${kept.join('\n')}\n`) as MetricFamily[];

  const out: MetricFamily[] = [];
  const rebuilt = new Map<string, Grouped>();
  for (const family of parsed) {
    const owner = ownerOf(family.name, grouped);
    if (owner === undefined) {
      out.push(family);
      continue;
    }
    let target = rebuilt.get(owner.base);
    if (!target) {
      const meta = grouped.get(owner.base)!;
      target = { name: owner.base, help: meta.help, type: meta.type, metrics: [] };
      rebuilt.set(owner.base, target);
      out.push(target as MetricFamily);
    }
    for (const s of family.metrics as ValueSeries[]) addToSeries(target, owner.part, s);
  }
  return out;
}

function ownerOf(
  name: string,
  grouped: Map<string, { type: 'HISTOGRAM' | 'SUMMARY' }>,
): { base: string; part: 'bucket' | 'sum' | 'count' | 'quantile' } | undefined {
  if (grouped.get(name)?.type === 'SUMMARY') return { base: name, part: 'quantile' };
  for (const part of ['bucket', 'sum', 'count'] as const) {
    const base = name.endsWith(`_${part}`) ? name.slice(0, -(part.length + 1)) : undefined;
    const type = base === undefined ? undefined : grouped.get(base)?.type;
    if (type === 'HISTOGRAM' || (type === 'SUMMARY' && part !== 'bucket')) return { base: base!, part };
  }
  return undefined;
}

function sameLabels(a: Labels, b: Labels): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

function addToSeries(family: Grouped, part: 'bucket' | 'sum' | 'count' | 'quantile', s: ValueSeries): void {
  const labels: Labels = { ...(s.labels ?? {}) };
  const key = part === 'bucket' ? labels.le : part === 'quantile' ? labels.quantile : undefined;
  if (part === 'bucket') delete labels.le;
  if (part === 'quantile') delete labels.quantile;
  let series = family.metrics.find((m) => sameLabels(m.labels ?? {}, labels));
  if (!series) {
    series = family.type === 'HISTOGRAM' ? { buckets: {}, count: '', sum: '' } : { count: '', sum: '' };
    if (Object.keys(labels).length > 0) series.labels = labels;
    family.metrics.push(series);
  }
  if (part === 'sum') series.sum = s.value;
  else if (part === 'count') series.count = s.value;
  else if (part === 'bucket' && key !== undefined) (series as HistogramSeries).buckets[key] = s.value;
  else if (part === 'quantile' && key !== undefined) ((series as SummarySeries).quantiles ??= {})[key] = s.value;
}

function includes(have: Labels | undefined, want: Labels): boolean {
  return Object.entries(want).every(([k, v]) => have?.[k] === v);
}

/** The family `name` belongs to, and which part of it (`_count`, `_sum`, `_bucket` of a histogram or summary) it names. */
function resolve(families: MetricFamily[], name: string): { family: MetricFamily; part?: 'count' | 'sum' | 'bucket' } | undefined {
  const exact = families.find((f) => f.name === name);
  if (exact) return { family: exact };
  for (const part of ['count', 'sum', 'bucket'] as const) {
    if (!name.endsWith(`_${part}`)) continue;
    const family = families.find((f) => f.name === name.slice(0, -(part.length + 1)));
    if (family && (family.type === 'HISTOGRAM' || (family.type === 'SUMMARY' && part !== 'bucket'))) return { family, part };
  }
  return undefined;
}

/**
 * The value of the first sample of `name` whose labels include all of `labels`
 * (undefined when none does). For a histogram, name `<h>_count`, `<h>_sum`, or
 * `<h>_bucket` with an `le` label (compared as a number: "1" finds le="1.0");
 * `_count` and `_sum` work for a summary too.
 */
export function sample(families: MetricFamily[], name: string, labels: Labels = {}): number | undefined {
  const found = resolve(families, name);
  if (!found) return undefined;
  const { family, part } = found;
  if (family.type === 'HISTOGRAM' || family.type === 'SUMMARY') {
    if (part === undefined) return undefined;
    const { le, ...rest } = labels;
    if (part === 'bucket' && le === undefined) throw new Error(`sample(${name}) needs an "le" label`);
    const series = (family.metrics as Array<HistogramSeries | SummarySeries>).find((m) => includes(m.labels, part === 'bucket' ? rest : labels));
    if (!series) return undefined;
    if (part === 'count') return promNumber(series.count);
    if (part === 'sum') return promNumber(series.sum);
    const want = promNumber(le!);
    const bucket = Object.entries((series as HistogramSeries).buckets).find(([bound]) => promNumber(bound) === want);
    return bucket === undefined ? undefined : promNumber(bucket[1]);
  }
  const series = family.metrics.find((m) => includes(m.labels, labels));
  return series === undefined ? undefined : promNumber(series.value);
}

/** The distinct values of `label` across the series of `name` (a family, or a histogram's `_count`/`_sum`/`_bucket`), in order of appearance; `le` gives a histogram's bucket bounds, in numeric order. */
export function labelValues(families: MetricFamily[], name: string, label: string): string[] {
  const found = resolve(families, name);
  if (!found) return [];
  const values = new Set<string>();
  for (const series of found.family.metrics) {
    if (label === 'le' && 'buckets' in series) for (const bound of Object.keys(series.buckets)) values.add(bound);
    const value = series.labels?.[label];
    if (value !== undefined) values.add(value);
  }
  // Bucket keys come back from an object, integer-like bounds ("1") first: put them in numeric order.
  return label === 'le' ? [...values].sort((a, b) => promNumber(a) - promNumber(b)) : [...values];
}
