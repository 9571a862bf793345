// Small SVG charts of the data and the errors: a histogram of values and a bar chart of the
// error per column. Both stand on the shared frame and update by keyed joins; the y labels keep
// every digit (150,000 reads "150k", never a clipped "50,000") and column labels are thinned
// and rotated so they never overlap (layout.ts).
import { axisBottom, axisLeft, max, scaleLinear } from 'd3';
import { createFrame } from './frame';
import { axisMargin, formatTick } from './layout';
import { createBarChart } from './lines';
import type { HistogramBin } from './scales';

export function createHistogram(container: HTMLElement, width = 360, height = 170) {
  const frame = createFrame(container, { width, height, cls: 'histogram' });
  return {
    svg: frame.svg,
    update(bins: HistogramBin[]) {
      if (bins.length === 0) {
        frame.clear();
        return;
      }
      const y = scaleLinear().domain([0, max(bins, (b) => b.count) ?? 1]).nice();
      const box = frame.place({ top: 8, right: 10, bottom: 34, left: axisMargin(y.ticks(4).map(formatTick)) });
      const x = scaleLinear().domain([bins[0].x0, bins[bins.length - 1].x1]).range([box.x0, box.x1]);
      y.range([box.y0, box.y1]);
      frame.plot
        .selectAll<SVGRectElement, HistogramBin>('rect.bar')
        .data(bins, (b) => String(b.x0))
        .join((enter) => enter.append('rect').attr('class', 'bar').call((r) => r.append('title')))
        .attr('x', (b) => x(b.x0) + 0.5)
        .attr('width', (b) => Math.max(0, x(b.x1) - x(b.x0) - 1))
        .attr('y', (b) => y(b.count))
        .attr('height', (b) => y(0) - y(b.count))
        .call((r) => r.select('title').text((b) => `${formatTick(b.x0)} to ${formatTick(b.x1)}: ${b.count.toLocaleString('en-US')} entries`));
      frame.xAxis.call(axisBottom(x).ticks(6).tickFormat((v) => formatTick(Number(v))));
      frame.yAxis.call(axisLeft(y).ticks(4).tickFormat((v) => formatTick(Number(v))));
      frame.titles('value', 'entries', '');
    },
  };
}

/** MAE per column (columns with targets only), one bar each, labelled by column id. */
export function createColumnErrors(container: HTMLElement, width = 720, height = 200) {
  const chart = createBarChart(container, {
    width,
    height,
    cls: 'column-errors',
    yLabel: 'MAE',
  });
  return {
    svg: chart.svg,
    update(columns: { id: string; mae: number; count: number }[]) {
      const data = columns.filter((c) => c.count > 0);
      chart.update(data.map((c) => ({ label: c.id, value: c.mae, tip: `${c.id}: MAE ${c.mae.toFixed(3)} over ${c.count} targets` })));
    },
  };
}
