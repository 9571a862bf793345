// SVG line and bar charts: a line chart (one or more series, a second y-axis for a quantity in
// other units), small multiples of line charts (1-D atoms, reconstructions beside originals) and
// a bar chart (the weights of one observation). Each stands on the shared frame (frame.ts) and
// updates by keyed joins: a series, a panel or a bar is the same element from one update to the next.
import { axisBottom, axisLeft, axisRight, format, line, scaleBand, scaleLinear, select, type ScaleLinear } from 'd3';
import { extentOf } from './factorViews';
import { createFrame, svgElement } from './frame';
import { assignAxes, axisMargin, categoryTicks, clip, formatTick, LINE_PX, thinned, type Series } from './layout';

export type { Series };

function pairs(s: Series): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < Math.min(s.x.length, s.y.length); i++) if (Number.isFinite(s.y[i])) out.push([s.x[i], s.y[i]]);
  return out;
}

/** One dot per point when a series has few of them (the objective over iterations). */
const FEW_POINTS = 40;

export function createLineChart(container: HTMLElement, options: { width?: number; height?: number; xLabel?: string; yLabel?: string; id?: string } = {}) {
  const width = options.width ?? 520;
  const height = options.height ?? 200;
  const frame = createFrame(container, { width, height, cls: 'line-chart', id: options.id });
  return {
    svg: frame.svg,
    update(series: Series[]) {
      const all = series.flatMap(pairs);
      if (all.length === 0) {
        frame.clear();
        return;
      }
      const sides = assignAxes(series);
      const on = (side: 'left' | 'right') => series.filter((_, i) => sides[i] === side);
      const yScale = (list: Series[]) => scaleLinear().domain(extentOf(list.flatMap(pairs).map((p) => p[1]))).nice();
      const yLeft = yScale(on('left').length ? on('left') : series);
      const yRight = on('right').length ? yScale(on('right')) : null;
      const names = series.map((s, i) => (sides[i] === 'right' && yRight ? `${s.name} (right axis)` : s.name));
      const right = yRight ? axisMargin(yRight.ticks(5).map(formatTick)) : 14;
      const left = axisMargin(yLeft.ticks(5).map(formatTick));
      const top = 10 + frame.legendRows(names, width - left - right) * LINE_PX;
      const box = frame.place({ top, right, bottom: 34, left });
      const x = scaleLinear().domain(extentOf(all.map((p) => p[0]))).range([box.x0, box.x1]);
      yLeft.range([box.y0, box.y1]);
      yRight?.range([box.y0, box.y1]);
      // Iterations are whole numbers: no ticks between them.
      const xAxis = axisBottom(x);
      if (all.every((p) => Number.isInteger(p[0]))) {
        const [lo, hi] = x.domain();
        xAxis.ticks(Math.max(1, Math.min(6, hi - lo))).tickFormat(format('d'));
      } else xAxis.ticks(6).tickFormat((v) => formatTick(Number(v)));
      frame.xAxis.call(xAxis);
      frame.yAxis.call(axisLeft(yLeft).ticks(5).tickFormat((v) => formatTick(Number(v))));
      if (yRight) frame.y2Axis.call(axisRight(yRight).ticks(5).tickFormat((v) => formatTick(Number(v))));
      else frame.y2Axis.selectAll('*').remove();
      const leftNames = on('left').map((s) => s.name).join(', ');
      frame.titles(options.xLabel ?? '', yRight ? leftNames : options.yLabel ?? '', yRight ? on('right').map((s) => s.name).join(', ') : '');
      const scaleOf = new Map<string, ScaleLinear<number, number>>(series.map((s, i) => [s.name, sides[i] === 'right' && yRight ? yRight : yLeft]));
      const path = (s: Series) => {
        const y = scaleOf.get(s.name)!;
        return line<[number, number]>().x((p) => x(p[0])).y((p) => y(p[1]))(pairs(s)) ?? '';
      };
      frame.plot
        .selectAll<SVGPathElement, Series>('path.series')
        .data(series, (s) => s.name)
        .join((enter) => enter.append('path').attr('fill', 'none').call((p) => p.append('title')))
        .attr('class', (s) => `series ${s.className}`)
        .attr('d', path)
        .call((p) => p.select('title').text((s, i) => names[i]));
      frame.plot
        .selectAll<SVGGElement, Series>('g.dots')
        .data(series.filter((s) => pairs(s).length <= FEW_POINTS), (s) => s.name)
        .join('g')
        .attr('class', (s) => `dots ${s.className}`)
        .selectAll<SVGCircleElement, { cx: number; cy: number; cls: string }>('circle')
        .data((s) => pairs(s).map((p) => ({ cx: x(p[0]), cy: scaleOf.get(s.name)!(p[1]), cls: s.className })))
        .join('circle')
        .attr('class', (p) => `dot ${p.cls}`)
        .attr('r', 2.5)
        .attr('cx', (p) => p.cx)
        .attr('cy', (p) => p.cy);
      frame.legend(series.map((s, i) => ({ name: names[i], className: s.className })));
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
  const svg = svgElement(container, width, panelHeight, 'small-multiples', options.id);
  const root = select(svg);
  return {
    svg,
    update(panels: { title: string; series: Series[]; selected?: boolean }[], shareY = false) {
      const columns = Math.max(1, Math.floor((width + gap) / (panelWidth + gap)));
      const rows = Math.max(1, Math.ceil(panels.length / columns));
      const height = rows * (panelHeight + gap);
      svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
      svg.setAttribute('height', String(height));
      const every = panels.flatMap((p) => p.series.flatMap(pairs));
      const x = scaleLinear().domain(extentOf(every.map((p) => p[0]))).range([4, panelWidth - 4]);
      const sharedY = extentOf(every.map((p) => p[1]));
      // Panels are keyed by their place in the grid: the same slot keeps its element.
      root
        .selectAll<SVGGElement, (typeof panels)[number]>('g.panel')
        .data(every.length ? panels : [])
        .join((enter) => {
          const g = enter.append('g');
          g.append('rect').attr('class', 'frame').attr('width', panelWidth).attr('height', panelHeight);
          g.append('text').attr('class', 'panel-title').attr('x', 6).attr('y', 13);
          if (options.onSelect) g.on('click', function () {
            options.onSelect!(Number((this as SVGGElement).dataset.index));
          });
          return g;
        })
        .attr('class', (p) => `panel${p.selected ? ' selected' : ''}`)
        .attr('data-index', (_, i) => i)
        .attr('transform', (_, i) => `translate(${(i % columns) * (panelWidth + gap)},${Math.floor(i / columns) * (panelHeight + gap)})`)
        .each(function (panel) {
          const own = extentOf(panel.series.flatMap(pairs).map((p) => p[1]));
          const [lo, hi] = shareY ? sharedY : own;
          const y = scaleLinear().domain([Math.min(0, lo), hi]).range([panelHeight - 4, 18]);
          const path = line<[number, number]>().x((p) => x(p[0])).y((p) => y(p[1]));
          const g = select(this);
          g.select('.panel-title').text(panel.title);
          g.selectAll<SVGPathElement, Series>('path.series')
            .data(panel.series, (s) => s.name)
            .join((enter) => enter.append('path').attr('fill', 'none'))
            .attr('class', (s) => `series ${s.className}`)
            .attr('d', (s) => path(pairs(s)) ?? '');
        });
    },
  };
}

/** A bar: its label, its value and, optionally, its tooltip. */
export interface Bar {
  label: string;
  value: number;
  tip?: string;
}

/** Bars of one value per label (the weights of one observation over the atoms; the error per column). */
export function createBarChart(container: HTMLElement, options: { width?: number; height?: number; id?: string; yLabel?: string; cls?: string } = {}) {
  const width = options.width ?? 520;
  const height = options.height ?? 180;
  const frame = createFrame(container, { width, height, cls: options.cls ?? 'bar-chart', id: options.id });
  return {
    svg: frame.svg,
    update(bars: Bar[]) {
      if (bars.length === 0) {
        frame.clear();
        return;
      }
      const top = Math.max(...bars.map((b) => b.value), 0);
      const y = scaleLinear().domain([0, top > 0 ? top : 1]).nice();
      const left = axisMargin(y.ticks(4).map(formatTick), !!options.yLabel);
      const ticks = categoryTicks(bars.map((b) => b.label), width - left - 10);
      const box = frame.place({ top: 10, right: 10, bottom: ticks.height + 4, left });
      const x = scaleBand<string>().domain(bars.map((b) => b.label)).range([box.x0, box.x1]).padding(0.15);
      y.range([box.y0, box.y1]);
      frame.plot
        .selectAll<SVGRectElement, Bar>('rect.bar')
        .data(bars, (b) => b.label)
        .join((enter) => enter.append('rect').attr('class', 'bar').call((r) => r.append('title')))
        .attr('x', (b) => x(b.label)!)
        .attr('width', x.bandwidth())
        .attr('y', (b) => y(Math.max(0, b.value)))
        .attr('height', (b) => y(0) - y(Math.max(0, b.value)))
        .call((r) => r.select('title').text((b) => b.tip ?? `${b.label}: ${b.value.toPrecision(4)}`));
      frame.xAxis.call(axisBottom(x).tickValues(thinned(bars.map((b) => b.label), ticks.step)).tickFormat((l) => clip(l)));
      frame.xAxis
        .selectAll<SVGTextElement, unknown>('.tick text')
        .attr('transform', ticks.rotate ? 'rotate(-45)' : null)
        .attr('text-anchor', ticks.rotate ? 'end' : 'middle')
        .attr('dx', ticks.rotate ? '-0.4em' : null)
        .attr('dy', ticks.rotate ? '0.3em' : '0.71em');
      frame.yAxis.call(axisLeft(y).ticks(4).tickFormat((v) => formatTick(Number(v))));
      frame.titles('', options.yLabel ?? '', '');
    },
  };
}
