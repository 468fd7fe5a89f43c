/**
 * parse-prometheus-text-format ships no types. Its output follows prom2json:
 * one family per metric name, every value a string ("1027", "+Inf", "NaN").
 */
declare module 'parse-prometheus-text-format' {
  type Labels = Record<string, string>;

  /** A counter, gauge or untyped sample. */
  export interface PrometheusValueMetric {
    value: string;
    labels?: Labels;
  }
  /** One histogram series: cumulative bucket counts keyed by their `le`, as written ("0.5", "+Inf"). */
  export interface PrometheusHistogramMetric {
    buckets: Record<string, string>;
    count: string;
    sum: string;
    labels?: Labels;
  }
  /** One summary series: quantile values keyed by their `quantile`. */
  export interface PrometheusSummaryMetric {
    quantiles?: Record<string, string>;
    count: string;
    sum: string;
    labels?: Labels;
  }

  export type PrometheusMetricFamily =
    | { name: string; help: string; type: 'COUNTER' | 'GAUGE' | 'UNTYPED'; metrics: PrometheusValueMetric[] }
    | { name: string; help: string; type: 'HISTOGRAM'; metrics: PrometheusHistogramMetric[] }
    | { name: string; help: string; type: 'SUMMARY'; metrics: PrometheusSummaryMetric[] };

  export default function parsePrometheusTextFormat(text: string): PrometheusMetricFamily[];
}
