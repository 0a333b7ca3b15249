/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4), for reading `/metrics`
 * the way a Prometheus server would: `# HELP` and `# TYPE` lines, samples `name{label="value",...}
 * value [timestamp]` with escaped label values, histogram series (`_bucket` with `le`, `_sum`,
 * `_count`) under their family. Anything else is an error naming the line, never skipped.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const familyOf = (sample: string): Family | undefined => {
    if (families.has(sample)) return families.get(sample);
    for (const suffix of ['_bucket', '_sum', '_count', '_total', '_created']) {
      if (sample.endsWith(suffix)) {
        const family = families.get(sample.slice(0, -suffix.length));
        if (family && (family.type === 'histogram' || family.type === 'summary' || suffix === '_total')) return family;
      }
    }
    return undefined;
  };
  text.split('\n').forEach((line, index) => {
    const fail = (why: string): never => {
      throw new Error(`line ${index + 1}: ${why}: ${line}`);
    };
    if (line === '') return;
    if (line.startsWith('#')) {
      const match = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!match) return; // other comments are allowed
      const [, kind, name, rest] = match;
      if (!NAME.test(name)) fail('bad metric name');
      const family = families.get(name) ?? { name, type: 'untyped' as Family['type'], help: '', samples: [] };
      families.set(name, family);
      if (kind === 'HELP') family.help = rest.replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
      else if (!TYPES.has(rest)) fail('bad type');
      else family.type = rest as Family['type'];
      return;
    }
    const sample = parseSample(line, fail);
    const family = familyOf(sample.name) ?? fail(`sample of no declared family`);
    family.samples.push(sample);
  });
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

function parseSample(line: string, fail: (why: string) => never): Sample {
  let i = 0;
  while (i < line.length && /[a-zA-Z0-9_:]/.test(line[i])) i++;
  const name = line.slice(0, i);
  if (!NAME.test(name)) fail('bad sample name');
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i++;
    while (line[i] !== '}') {
      const eq = line.indexOf('=', i);
      if (eq < 0) fail('label without value');
      const label = line.slice(i, eq).trim();
      if (!LABEL.test(label)) fail(`bad label name '${label}'`);
      if (line[eq + 1] !== '"') fail('label value not quoted');
      let value = '';
      let j = eq + 2;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\') {
          const next = line[++j];
          value += next === 'n' ? '\n' : next === '\\' ? '\\' : next === '"' ? '"' : fail('bad escape');
        } else value += line[j];
      }
      if (j >= line.length) fail('unterminated label value');
      if (label in labels) fail(`label '${label}' twice`);
      labels[label] = value;
      i = j + 1;
      if (line[i] === ',') i++;
      else if (line[i] !== '}') fail('expected , or }');
    }
    i++;
  }
  const parts = line.slice(i).trim().split(/\s+/);
  if (parts.length < 1 || parts.length > 2 || parts[0] === '') fail('expected a value');
  const raw = parts[0];
  // Prometheus reads values with Go's ParseFloat: NaN and Inf in any case (prom-client writes `Nan`).
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(raw);
  const value = special ? (special[2].toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity) : Number(raw);
  if (Number.isNaN(value) && !special) fail('bad value');
  return { name, labels, value };
}

/** Buckets cumulative and ending in +Inf equal to _count, per label set. */
function checkHistogram(family: Family): void {
  const series = new Map<string, { buckets: Array<[number, number]>; count?: number }>();
  for (const s of family.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const entry = series.get(key) ?? { buckets: [] };
    series.set(key, entry);
    if (s.name.endsWith('_bucket')) {
      if (le === undefined) throw new Error(`${s.name} without le`);
      entry.buckets.push([le === '+Inf' ? Infinity : Number(le), s.value]);
    } else if (s.name.endsWith('_count')) entry.count = s.value;
  }
  for (const [key, { buckets, count }] of series) {
    for (let i = 1; i < buckets.length; i++) {
      if (buckets[i][0] <= buckets[i - 1][0] || buckets[i][1] < buckets[i - 1][1]) throw new Error(`${family.name} ${key}: buckets not increasing`);
    }
    const inf = buckets.at(-1);
    if (!inf || inf[0] !== Infinity || inf[1] !== count) throw new Error(`${family.name} ${key}: +Inf bucket does not equal _count`);
  }
}

/** The value of the one sample of `name` whose labels include `labels` (throws if none or several). */
export function valueOf(families: Map<string, Family>, family: string, name: string, labels: Record<string, string>): number {
  const matches = (families.get(family)?.samples ?? []).filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (matches.length !== 1) throw new Error(`${matches.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return matches[0].value;
}

/** The sum of the samples of `name` whose labels match `filter`. */
export function sumOf(families: Map<string, Family>, family: string, name: string, filter: (labels: Record<string, string>) => boolean): number {
  return (families.get(family)?.samples ?? []).filter((s) => s.name === name && filter(s.labels)).reduce((n, s) => n + s.value, 0);
}
