// The sensor-placement charts: the map of the sensors with the chosen ones highlighted and
// numbered in order of choice, and the error-against-budget curves (random with its band).
// Factories return their <svg> (for export) and an update(); d3 joins touch the DOM.
import { area, axisBottom, axisLeft, format, geoMercator, geoPath, line, scaleLinear, select } from 'd3';
import { cellToBoundary } from 'h3-js';
import { curveExtent, type CurveSeries, type SensorPoint } from './placementData';
import { clockwiseRing } from './scales';

export { sensorPoints, type CurveSeries, type SensorPoint } from './placementData';

const SVG_NS = 'http://www.w3.org/2000/svg';

function svgIn(container: HTMLElement, width: number, height: number, cls: string, id: string): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('class', cls);
  svg.setAttribute('id', id);
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  container.append(svg);
  return svg;
}

export function createPlacementMap(container: HTMLElement, size = { width: 560, height: 380 }) {
  const svg = svgIn(container, size.width, size.height, 'placement-map', 'placement-map');
  const root = select(svg);
  const cellsLayer = root.append('g').attr('class', 'cells');
  const dotsLayer = root.append('g').attr('class', 'sensors');
  const marksLayer = root.append('g').attr('class', 'chosen');
  return {
    svg,
    update(points: SensorPoint[]) {
      const cells = [...new Set(points.map((p) => p.cell).filter((c): c is string => !!c))];
      const chosenCells = new Set(points.filter((p) => p.rank !== null && p.cell).map((p) => p.cell));
      const cellFeatures = cells.map((cell) => ({ type: 'Feature' as const, properties: { cell }, geometry: { type: 'Polygon' as const, coordinates: [clockwiseRing(cellToBoundary(cell, true) as [number, number][])] } }));
      const pointFeatures = points.map((p) => ({ type: 'Feature' as const, properties: {}, geometry: { type: 'Point' as const, coordinates: [p.lng, p.lat] } }));
      const projection = geoMercator().fitExtent(
        [
          [24, 24],
          [size.width - 24, size.height - 24],
        ],
        { type: 'FeatureCollection', features: [...cellFeatures, ...pointFeatures] },
      );
      const path = geoPath(projection);
      cellsLayer
        .selectAll<SVGPathElement, (typeof cellFeatures)[number]>('path')
        .data(cellFeatures, (f) => f.properties.cell)
        .join('path')
        .attr('class', (f) => `cell${chosenCells.has(f.properties.cell) ? ' chosen' : ''}`)
        .attr('d', (f) => path(f) ?? '');
      const xy = (p: SensorPoint) => projection([p.lng, p.lat]) ?? [0, 0];
      dotsLayer
        .selectAll<SVGCircleElement, SensorPoint>('circle')
        .data(points.filter((p) => p.rank === null), (p) => p.id)
        .join((enter) => enter.append('circle').call((c) => c.append('title')))
        .attr('class', 'sensor')
        .attr('r', 3)
        .attr('cx', (p) => xy(p)[0])
        .attr('cy', (p) => xy(p)[1])
        .select('title')
        .text((p) => `${p.id} (not kept)`);
      const chosen = points.filter((p) => p.rank !== null).sort((a, b) => b.rank! - a.rank!);
      const marks = marksLayer
        .selectAll<SVGGElement, SensorPoint>('g.mark')
        .data(chosen, (p) => p.id)
        .join((enter) => {
          const g = enter.append('g').attr('class', 'mark');
          g.append('circle').attr('r', 9);
          g.append('text').attr('text-anchor', 'middle').attr('dy', '0.35em');
          g.append('title');
          return g;
        })
        .attr('data-rank', (p) => String(p.rank))
        .attr('data-id', (p) => p.id)
        .attr('transform', (p) => `translate(${xy(p)[0]},${xy(p)[1]})`);
      marks.select('text').text((p) => String(p.rank));
      marks.select('title').text((p) => `#${p.rank}: ${p.id} (${p.lat.toFixed(4)}, ${p.lng.toFixed(4)})${p.cell ? `, cell ${p.cell}` : ''}`);
      // The first choice on top.
      marks.sort((a, b) => b.rank! - a.rank!);
    },
  };
}

export function createCurveChart(container: HTMLElement, options: { width?: number; height?: number; yLabel: string }) {
  const width = options.width ?? 560;
  const height = options.height ?? 240;
  const M = { top: 10, right: 14, bottom: 36, left: 64 };
  const svg = svgIn(container, width, height, 'curve-chart', 'placement-curves');
  const root = select(svg);
  return {
    svg,
    update(series: CurveSeries[]) {
      root.selectAll('*').remove();
      const kept = series.flatMap((s) => s.points.map((p) => p.kept));
      if (kept.length === 0) return;
      const x = scaleLinear()
        .domain([Math.min(...kept), Math.max(Math.max(...kept), Math.min(...kept) + 1)])
        .range([M.left, width - M.right]);
      const y = scaleLinear().domain(curveExtent(series)).nice().range([height - M.bottom, M.top]);
      const [lo, hi] = x.domain();
      root.append('g').attr('class', 'axis').attr('transform', `translate(0,${height - M.bottom})`).call(axisBottom(x).ticks(Math.max(1, Math.min(8, hi - lo))).tickFormat(format('d')));
      root.append('g').attr('class', 'axis').attr('transform', `translate(${M.left},0)`).call(axisLeft(y).ticks(5, '~s'));
      root.append('text').attr('class', 'axis-label').attr('x', (M.left + width - M.right) / 2).attr('y', height - 4).attr('text-anchor', 'middle').text('columns kept');
      root.append('text').attr('class', 'axis-label').attr('transform', `translate(12,${(M.top + height - M.bottom) / 2}) rotate(-90)`).attr('text-anchor', 'middle').text(options.yLabel);
      const band = area<CurveSeries['points'][number]>()
        .x((p) => x(p.kept))
        .y0((p) => y(Math.max(y.domain()[0], p.lo ?? p.error)))
        .y1((p) => y(p.hi ?? p.error));
      const path = line<CurveSeries['points'][number]>()
        .x((p) => x(p.kept))
        .y((p) => y(p.error));
      const finite = (s: CurveSeries) => s.points.filter((p) => Number.isFinite(p.error));
      root
        .append('g')
        .selectAll('path')
        .data(series.filter((s) => s.points.some((p) => p.lo !== undefined)))
        .join('path')
        .attr('class', (s) => `band method-${s.method}`)
        .attr('d', (s) => band(finite(s)) ?? '');
      const lines = root
        .append('g')
        .selectAll('g')
        .data(series)
        .join('g')
        .attr('class', (s) => `curve method-${s.method}`)
        .attr('data-method', (s) => s.method)
        .attr('data-points', (s) => String(finite(s).length));
      lines
        .append('path')
        .attr('class', (s) => `series method-${s.method}`)
        .attr('fill', 'none')
        .attr('d', (s) => path(finite(s)) ?? '');
      lines
        .selectAll('circle')
        .data((s) => finite(s).map((p) => ({ ...p, s })))
        .join('circle')
        .attr('class', (p) => `dot method-${p.s.method}`)
        .attr('r', 2.5)
        .attr('cx', (p) => x(p.kept))
        .attr('cy', (p) => y(p.error))
        .append('title')
        .text((p) => `${p.s.label}, ${p.kept} kept: ${p.error.toPrecision(4)}${p.lo !== undefined ? ` (± ${((p.hi! - p.lo) / 2).toPrecision(3)})` : ''}`);
    },
  };
}
