// One signal series as a time chart (uPlot: canvas, made for dense time series, ~20 KB gzipped, loaded with the
// signals page only): the value, the detector's expected band as a shaded area between its bounds, and anomalous
// points marked. The same figures are in a data table below the chart for keyboard and screen-reader users.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { SeriesAnswer } from '../api/types';

/** A value in the series' unit: rates as percentages, latency in ms, counts as whole numbers. */
export function formatSeriesValue(unit: SeriesAnswer['unit'], value: number | null | undefined): string {
  if (value === null || value === undefined) return '–';
  if (unit === 'ratio') return `${(value * 100).toFixed(value < 0.01 && value > 0 ? 2 : 1)} %`;
  if (unit === 'ms') return `${value < 10 ? value.toFixed(1) : Math.round(value).toLocaleString()} ms`;
  return Number.isInteger(value) ? value.toLocaleString() : value.toFixed(1);
}

const VALUE_COLOUR = '#1d5fbf';
const BAND_COLOUR = '#6b7785';
const ANOMALY_COLOUR = '#b42318';

export function SeriesChart({ answer, label }: { answer: SeriesAnswer; label: string }) {
  const container = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const points = answer.points;
    const data: uPlot.AlignedData = [
      points.map((point) => Date.parse(point.time) / 1000),
      points.map((point) => point.value),
      points.map((point) => point.lower ?? null),
      points.map((point) => point.upper ?? null),
      points.map((point) => (point.anomalous ? point.value : null)),
    ];
    const format = (value: number | null) => formatSeriesValue(answer.unit, value);
    const plot = new uPlot(
      {
        width: Math.max(element.clientWidth, 320),
        height: 280,
        scales: { x: { time: true } },
        series: [
          {},
          { label, stroke: VALUE_COLOUR, width: 2, value: (_, value) => format(value), spanGaps: false },
          { label: 'expected, low', stroke: BAND_COLOUR, dash: [4, 4], width: 1, value: (_, value) => format(value) },
          { label: 'expected, high', stroke: BAND_COLOUR, dash: [4, 4], width: 1, value: (_, value) => format(value) },
          {
            label: 'anomalous',
            stroke: ANOMALY_COLOUR,
            width: 0,
            paths: () => null,
            points: { show: true, size: 9, fill: ANOMALY_COLOUR, stroke: ANOMALY_COLOUR },
            value: (_, value) => format(value),
          },
        ],
        bands: [{ series: [3, 2], fill: 'rgba(107, 119, 133, 0.16)' }],
        axes: [{}, { values: (_, ticks) => ticks.map((tick) => format(tick)), size: 70 }],
        legend: { live: true },
      },
      data,
      element,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(element.clientWidth, 320), height: 280 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [answer, label]);
  const anomalies = answer.points.filter((point) => point.anomalous).length;
  return (
    <figure class="series-chart">
      <div
        ref={container}
        role="img"
        aria-label={`${label}: ${answer.points.length} points${anomalies ? `, ${anomalies} outside the expected band` : ''}`}
        data-points={answer.points.length}
      />
      <figcaption>
        {label} per {answer.step}
        {answer.points.some((point) => point.expected !== undefined) ? ', with the expected band' : ''}
        {anomalies ? ` · ${anomalies} anomalous` : ''}
      </figcaption>
    </figure>
  );
}
