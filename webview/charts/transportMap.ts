// The transport map chart: the source cloud, the target cloud and an arrow from each (shown)
// source point to its image, coloured by the arrow's full-dimensional length (viridis, with a
// legend). SVG, so it exports as it is drawn; the geometry comes from webview/transport/state.ts.
import { axisBottom, axisLeft, extent, scaleLinear, select } from 'd3';
import { svgElement } from './frame';
import { colourScale } from './scales';

export interface TransportMapData {
  axes: [string, string];
  /** 2n numbers each: the clouds in the plane. */
  source: Float64Array;
  target: Float64Array;
  arrows: { i: number; x1: number; y1: number; x2: number; y2: number; length: number }[];
}

export function createTransportMap(container: HTMLElement, width = 560, height = 420) {
  const M = { top: 10, right: 14, bottom: 38, left: 48 };
  const svg = svgElement(container, width, height, 'transport-map', 'transport-map');
  const root = select(svg);
  return {
    svg,
    update(data: TransportMapData) {
      root.selectAll('*').remove();
      const xs: number[] = [];
      const ys: number[] = [];
      for (const c of [data.source, data.target]) {
        for (let t = 0; t < c.length; t += 2) {
          xs.push(c[t]);
          ys.push(c[t + 1]);
        }
      }
      for (const a of data.arrows) {
        xs.push(a.x2);
        ys.push(a.y2);
      }
      if (xs.length === 0) return;
      const [x0, x1] = extent(xs) as [number, number];
      const [y0, y1] = extent(ys) as [number, number];
      const x = scaleLinear().domain(x0 === x1 ? [x0 - 1, x1 + 1] : [x0, x1]).nice().range([M.left, width - M.right]);
      const y = scaleLinear().domain(y0 === y1 ? [y0 - 1, y1 + 1] : [y0, y1]).nice().range([height - M.bottom, M.top]);
      root.append('g').attr('class', 'axis').attr('transform', `translate(0,${height - M.bottom})`).call(axisBottom(x).ticks(6));
      root.append('g').attr('class', 'axis').attr('transform', `translate(${M.left},0)`).call(axisLeft(y).ticks(6));
      root.append('text').attr('class', 'axis-label').attr('x', (M.left + width - M.right) / 2).attr('y', height - 4).attr('text-anchor', 'middle').text(data.axes[0]);
      root.append('text').attr('class', 'axis-label').attr('transform', `translate(12,${(M.top + height - M.bottom) / 2}) rotate(-90)`).attr('text-anchor', 'middle').text(data.axes[1]);
      const pointsOf = (c: Float64Array) => Array.from({ length: c.length / 2 }, (_, i) => [c[2 * i], c[2 * i + 1]] as const);
      for (const [name, cloud] of [['target', data.target], ['source', data.source]] as const) {
        root
          .append('g')
          .attr('class', `cloud ${name}`)
          .selectAll('circle')
          .data(pointsOf(cloud))
          .join('circle')
          .attr('r', 2)
          .attr('cx', (p) => x(p[0]))
          .attr('cy', (p) => y(p[1]));
      }
      const lengths = data.arrows.map((a) => a.length);
      const top = Math.max(1e-12, ...lengths);
      const colour = colourScale([0, top]);
      root
        .append('g')
        .attr('class', 'arrows')
        .selectAll('line')
        .data(data.arrows, (a) => (a as { i: number }).i)
        .join('line')
        .attr('x1', (a) => x(a.x1))
        .attr('y1', (a) => y(a.y1))
        .attr('x2', (a) => x(a.x2))
        .attr('y2', (a) => y(a.y2))
        .attr('stroke', (a) => colour(a.length))
        .append('title')
        .text((a) => `point ${a.i + 1}: moved ${a.length.toPrecision(3)}`);
      const legend = root.append('g').attr('class', 'legend').attr('transform', `translate(${width - M.right - 170},${M.top + 4})`);
      legend.append('circle').attr('class', 'cloud source').attr('r', 3).attr('cx', 4).attr('cy', 0);
      legend.append('text').attr('x', 12).attr('y', 4).text('source A');
      legend.append('circle').attr('class', 'cloud target').attr('r', 3).attr('cx', 84).attr('cy', 0);
      legend.append('text').attr('x', 92).attr('y', 4).text('target B');
      if (data.arrows.length) {
        [0, 0.5, 1].forEach((f, k) => legend.append('rect').attr('x', k * 20).attr('y', 12).attr('width', 20).attr('height', 8).attr('fill', colour(f * top)));
        legend.append('text').attr('x', 66).attr('y', 20).text(`|T(x) − x| 0 … ${top.toPrecision(3)}`);
      }
    },
  };
}
