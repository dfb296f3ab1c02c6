import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';

export type Labels = Record<string, string>;

/**
 * Gauges whose whole value set is rebuilt from the store before each scrape, the way
 * kube-state-metrics derives its series from objects. `reset` drops every series, so objects
 * that are gone leave no series behind.
 */
export class GaugeFamily {
  private readonly gauges = new Map<string, Gauge>();

  constructor(private readonly registry: Registry) {}

  define(name: string, help: string, labelNames: readonly string[]): void {
    this.gauges.set(name, new Gauge({ name, help, labelNames, registers: [this.registry] }));
  }

  set(name: string, labels: Labels, value: number): void {
    const gauge = this.gauges.get(name);
    if (gauge === undefined) throw new Error(`gauge ${name} is not defined`);
    gauge.set(labels, value);
  }

  /** Returns a setter that adds `ids` to the labels of every series it sets. */
  forObject(ids: Labels): ObjectGauges {
    const set = (name: string, value: number, extra: Labels = {}): void =>
      this.set(name, { ...ids, ...extra }, value);
    return {
      set,
      setTime: (name, timestamp) => {
        if (timestamp !== undefined) set(name, Math.floor(Date.parse(timestamp) / 1000));
      },
      setNumber: (name, value) => {
        if (value !== undefined && value !== null && Number.isFinite(value)) set(name, value);
      },
    };
  }

  reset(): void {
    for (const gauge of this.gauges.values()) gauge.reset();
  }
}

/** Sets the series of one object; absent optional values set no series, as in kube-state-metrics. */
export interface ObjectGauges {
  set: (name: string, value: number, extra?: Labels) => void;
  /** Sets an RFC 3339 timestamp as Unix seconds, when present. */
  setTime: (name: string, timestamp: string | undefined) => void;
  setNumber: (name: string, value: number | null | undefined) => void;
}
