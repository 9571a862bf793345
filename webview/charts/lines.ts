// SVG charts for factorisation: a line chart (one or more series), small multiples of line
// charts (1-D atoms, reconstructions beside originals) and a bar chart (the weights of one
// observation). Factories: each returns its <svg> (for export) and an update(); only the join
// touches the DOM.
import { axisBottom, axisLeft, format, line, scaleBand, scaleLinear, select } from 'd3';
import { extentOf } from './factorViews';

const SVG_NS = 'http://www.w3.org/2000/svg';

export interface Series {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** CSS class of the path (colour comes from the stylesheet). */
  className: string;
}

function svgIn(container: HTMLElement, width: number, height: number, cls: string, id?: string): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('class', cls);
  if (id) svg.setAttribute('id', id);
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  container.append(svg);
  return svg;
}

function pairs(s: Series): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < Math.min(s.x.length, s.y.length); i++) if (Number.isFinite(s.y[i])) out.push([s.x[i], s.y[i]]);
  return out;
}

export function createLineChart(container: HTMLElement, options: { width?: number; height?: number; xLabel?: string; yLabel?: string; id?: string } = {}) {
  const width = options.width ?? 520;
  const height = options.height ?? 200;
  const M = { top: 10, right: 12, bottom: 34, left: 58 };
  const svg = svgIn(container, width, height, 'line-chart', options.id);
  const root = select(svg);
  return {
    svg,
    update(series: Series[]) {
      root.selectAll('*').remove();
      const all = series.flatMap(pairs);
      if (all.length === 0) return;
      const x = scaleLinear().domain(extentOf(all.map((p) => p[0]))).range([M.left, width - M.right]);
      const y = scaleLinear().domain(extentOf(all.map((p) => p[1]))).nice().range([height - M.bottom, M.top]);
      // Iterations are whole numbers: no ticks between them.
      const xAxis = axisBottom(x);
      if (all.every((p) => Number.isInteger(p[0]))) {
        const [lo, hi] = x.domain();
        xAxis.ticks(Math.max(1, Math.min(6, hi - lo))).tickFormat(format('d'));
      } else xAxis.ticks(6);
      root.append('g').attr('class', 'axis').attr('transform', `translate(0,${height - M.bottom})`).call(xAxis);
      root.append('g').attr('class', 'axis').attr('transform', `translate(${M.left},0)`).call(axisLeft(y).ticks(5));
      const path = line<[number, number]>()
        .x((p) => x(p[0]))
        .y((p) => y(p[1]));
      root
        .append('g')
        .selectAll('path')
        .data(series)
        .join('path')
        .attr('class', (s) => `series ${s.className}`)
        .attr('fill', 'none')
        .attr('d', (s) => path(pairs(s)) ?? '')
        .append('title')
        .text((s) => s.name);
      // One dot per point when there are few of them (the objective over iterations).
      for (const s of series) {
        const points = pairs(s);
        if (points.length > 40) continue;
        root
          .append('g')
          .selectAll('circle')
          .data(points)
          .join('circle')
          .attr('class', `dot ${s.className}`)
          .attr('r', 2.5)
          .attr('cx', (p) => x(p[0]))
          .attr('cy', (p) => y(p[1]));
      }
      if (options.xLabel) root.append('text').attr('class', 'axis-label').attr('x', (M.left + width - M.right) / 2).attr('y', height - 4).attr('text-anchor', 'middle').text(options.xLabel);
      if (options.yLabel) root.append('text').attr('class', 'axis-label').attr('transform', `translate(12,${(M.top + height - M.bottom) / 2}) rotate(-90)`).attr('text-anchor', 'middle').text(options.yLabel);
      if (series.length > 1) {
        const legend = root.append('g').attr('class', 'legend').attr('transform', `translate(${width - M.right - 150},${M.top + 4})`);
        series.forEach((s, i) => {
          const row = legend.append('g').attr('transform', `translate(0,${i * 14})`);
          row.append('line').attr('class', `series ${s.className}`).attr('x1', 0).attr('x2', 16).attr('y1', 0).attr('y2', 0);
          row.append('text').attr('x', 20).attr('y', 4).text(s.name);
        });
      }
    },
  };
}

/**
 * A grid of small line charts sharing an x axis: one panel per entry, each with its own y scale
 * (or a shared one). Clicking a panel calls `onSelect` with its index.
 */
export function createSmallMultiples(
  container: HTMLElement,
  options: { width?: number; panelWidth?: number; panelHeight?: number; id?: string; onSelect?: (index: number) => void } = {},
) {
  const width = options.width ?? 720;
  const panelWidth = options.panelWidth ?? 170;
  const panelHeight = options.panelHeight ?? 100;
  const gap = 10;
  const svg = svgIn(container, width, panelHeight, 'small-multiples', options.id);
  const root = select(svg);
  return {
    svg,
    update(panels: { title: string; series: Series[]; selected?: boolean }[], shareY = false) {
      root.selectAll('*').remove();
      const columns = Math.max(1, Math.floor((width + gap) / (panelWidth + gap)));
      const rows = Math.max(1, Math.ceil(panels.length / columns));
      const height = rows * (panelHeight + gap);
      svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
      svg.setAttribute('height', String(height));
      const every = panels.flatMap((p) => p.series.flatMap(pairs));
      if (every.length === 0) return;
      const x = scaleLinear().domain(extentOf(every.map((p) => p[0]))).range([4, panelWidth - 4]);
      const sharedY = extentOf(every.map((p) => p[1]));
      panels.forEach((panel, index) => {
        const g = root
          .append('g')
          .attr('class', `panel${panel.selected ? ' selected' : ''}`)
          .attr('data-index', index)
          .attr('transform', `translate(${(index % columns) * (panelWidth + gap)},${Math.floor(index / columns) * (panelHeight + gap)})`);
        g.append('rect').attr('class', 'frame').attr('width', panelWidth).attr('height', panelHeight);
        const own = extentOf(panel.series.flatMap(pairs).map((p) => p[1]));
        const y = scaleLinear()
          .domain([Math.min(0, (shareY ? sharedY : own)[0]), (shareY ? sharedY : own)[1]])
          .range([panelHeight - 4, 18]);
        const path = line<[number, number]>()
          .x((p) => x(p[0]))
          .y((p) => y(p[1]));
        g.append('text').attr('class', 'panel-title').attr('x', 6).attr('y', 13).text(panel.title);
        g.selectAll('path.series')
          .data(panel.series)
          .join('path')
          .attr('class', (s) => `series ${s.className}`)
          .attr('fill', 'none')
          .attr('d', (s) => path(pairs(s)) ?? '');
        if (options.onSelect) g.on('click', () => options.onSelect!(index));
      });
    },
  };
}

/** Bars of one value per label (the weights of one observation over the atoms). */
export function createBarChart(container: HTMLElement, options: { width?: number; height?: number; id?: string; yLabel?: string } = {}) {
  const width = options.width ?? 520;
  const height = options.height ?? 180;
  const M = { top: 10, right: 10, bottom: 30, left: 52 };
  const svg = svgIn(container, width, height, 'bar-chart', options.id);
  const root = select(svg);
  return {
    svg,
    update(bars: { label: string; value: number }[]) {
      root.selectAll('*').remove();
      if (bars.length === 0) return;
      const x = scaleBand<string>().domain(bars.map((b) => b.label)).range([M.left, width - M.right]).padding(0.15);
      const top = Math.max(...bars.map((b) => b.value), 0);
      const y = scaleLinear().domain([0, top > 0 ? top : 1]).nice().range([height - M.bottom, M.top]);
      root
        .append('g')
        .selectAll('rect')
        .data(bars)
        .join('rect')
        .attr('class', 'bar')
        .attr('x', (b) => x(b.label)!)
        .attr('width', x.bandwidth())
        .attr('y', (b) => y(Math.max(0, b.value)))
        .attr('height', (b) => y(0) - y(Math.max(0, b.value)))
        .append('title')
        .text((b) => `${b.label}: ${b.value.toPrecision(4)}`);
      const step = Math.ceil(bars.length / 25);
      root
        .append('g')
        .attr('class', 'axis')
        .attr('transform', `translate(0,${height - M.bottom})`)
        .call(axisBottom(x).tickValues(bars.filter((_, i) => i % step === 0).map((b) => b.label)));
      root.append('g').attr('class', 'axis').attr('transform', `translate(${M.left},0)`).call(axisLeft(y).ticks(4));
      if (options.yLabel) root.append('text').attr('class', 'axis-label').attr('transform', `translate(12,${(M.top + height - M.bottom) / 2}) rotate(-90)`).attr('text-anchor', 'middle').text(options.yLabel);
    },
  };
}
