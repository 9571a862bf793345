// Small SVG charts: a histogram of values and a bar chart of the error per column.
import { axisBottom, axisLeft, max, scaleBand, scaleLinear, select } from 'd3';
import type { HistogramBin } from './scales';

const SVG_NS = 'http://www.w3.org/2000/svg';
const M = { top: 8, right: 8, bottom: 28, left: 44 };

function frame(container: HTMLElement, width: number, height: number, cls: string) {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('class', cls);
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  container.append(svg);
  return svg;
}

export function createHistogram(container: HTMLElement, width = 360, height = 160) {
  const svg = frame(container, width, height, 'histogram');
  const root = select(svg);
  return {
    svg,
    update(bins: HistogramBin[]) {
      root.selectAll('*').remove();
      if (bins.length === 0) return;
      const x = scaleLinear().domain([bins[0].x0, bins[bins.length - 1].x1]).range([M.left, width - M.right]);
      const y = scaleLinear().domain([0, max(bins, (b) => b.count) ?? 1]).nice().range([height - M.bottom, M.top]);
      root
        .append('g')
        .selectAll('rect')
        .data(bins)
        .join('rect')
        .attr('class', 'bar')
        .attr('x', (b) => x(b.x0) + 0.5)
        .attr('width', (b) => Math.max(0, x(b.x1) - x(b.x0) - 1))
        .attr('y', (b) => y(b.count))
        .attr('height', (b) => y(0) - y(b.count));
      root.append('g').attr('class', 'axis').attr('transform', `translate(0,${height - M.bottom})`).call(axisBottom(x).ticks(6));
      root.append('g').attr('class', 'axis').attr('transform', `translate(${M.left},0)`).call(axisLeft(y).ticks(4));
    },
  };
}

export function createColumnErrors(container: HTMLElement, width = 720, height = 180) {
  const svg = frame(container, width, height, 'column-errors');
  const root = select(svg);
  return {
    svg,
    update(columns: { id: string; mae: number; count: number }[]) {
      root.selectAll('*').remove();
      const data = columns.filter((c) => c.count > 0);
      if (data.length === 0) return;
      const x = scaleBand<string>().domain(data.map((c) => c.id)).range([M.left, width - M.right]).padding(0.15);
      const y = scaleLinear().domain([0, max(data, (c) => c.mae) ?? 1]).nice().range([height - M.bottom, M.top]);
      root
        .append('g')
        .selectAll('rect')
        .data(data)
        .join('rect')
        .attr('class', 'bar')
        .attr('x', (c) => x(c.id)!)
        .attr('width', x.bandwidth())
        .attr('y', (c) => y(c.mae))
        .attr('height', (c) => y(0) - y(c.mae))
        .append('title')
        .text((c) => `${c.id}: MAE ${c.mae.toFixed(3)} over ${c.count} targets`);
      const step = Math.ceil(data.length / 24);
      root
        .append('g')
        .attr('class', 'axis')
        .attr('transform', `translate(0,${height - M.bottom})`)
        .call(axisBottom(x).tickValues(data.filter((_, i) => i % step === 0).map((c) => c.id)));
      root.append('g').attr('class', 'axis').attr('transform', `translate(${M.left},0)`).call(axisLeft(y).ticks(4));
    },
  };
}
