/** Parses the Prometheus text format into `name{labels}` → value (labels as printed, in order). */
export function parsePrometheus(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    out.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return out;
}

/** Sum of every series of `name` whose labels include all of `labels` (e.g. `outcome="processed"`). */
export const metricTotal = (m: Map<string, number>, name: string, ...labels: string[]): number =>
  [...m].reduce((sum, [series, value]) => {
    const base = series.split('{')[0];
    return base === name && labels.every((l) => series.includes(l)) ? sum + value : sum;
  }, 0);
