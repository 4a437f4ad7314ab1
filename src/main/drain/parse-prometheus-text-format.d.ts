// The package ships no types. Shape as returned by v1.1.1 (values stay strings).
declare module 'parse-prometheus-text-format' {
  interface PrometheusSample {
    value?: string
    labels?: Record<string, string>
    timestamp_ms?: string
    buckets?: Record<string, string>
    quantiles?: Record<string, string>
    count?: string
    sum?: string
  }
  interface PrometheusFamily {
    name: string
    help: string
    type: string
    metrics: PrometheusSample[]
  }
  function parsePrometheusTextFormat(text: string): PrometheusFamily[]
  export default parsePrometheusTextFormat
}
