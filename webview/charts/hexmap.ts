// The H3 hexagon map: one hexagon per cell that holds columns, coloured by value at the chosen
// time, with observed, hidden and imputed entries drawn distinctly. Cell boundaries come from
// h3-js; the projection is d3-geo's Mercator fitted to the cells.
import { geoDistance, geoMercator, geoPath, select, type GeoProjection } from 'd3';
import { cellToBoundary } from 'h3-js';
import { cellValueAt, clockwiseRing, colourScale, type EntryKind } from './scales';

export interface HexmapData {
  rows: number;
  cols: number;
  values: Float64Array;
  observed: Uint8Array;
  targets: Uint8Array | null;
  imputed: Float64Array | null;
  cells: (string | null)[];
  colIds: string[];
  rowLabels: string[];
  domain: [number, number];
  /** Each column's [lat, lng] (null where unknown): drawn as sensor points named on hover. */
  points?: ([number, number] | null)[] | null;
}

export interface Hexmap {
  readonly svg: SVGSVGElement;
  update(data: HexmapData, row: number): void;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
const MIN_CELL_PX = 16;

export function createHexmap(container: HTMLElement, size = { width: 520, height: 360 }): Hexmap {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${size.width} ${size.height + 28}`);
  svg.setAttribute('class', 'hexmap');
  svg.setAttribute('width', String(size.width));
  svg.setAttribute('height', String(size.height + 28));
  container.append(svg);
  const root = select(svg);
  // A hatch pattern marks imputed cells; hidden cells get a dashed outline.
  const defs = root.append('defs');
  defs
    .append('pattern')
    .attr('id', 'lacuna-hatch')
    .attr('patternUnits', 'userSpaceOnUse')
    .attr('width', 6)
    .attr('height', 6)
    .attr('patternTransform', 'rotate(45)')
    .append('line')
    .attr('x1', 0)
    .attr('y1', 0)
    .attr('x2', 0)
    .attr('y2', 6)
    .attr('stroke', 'white')
    .attr('stroke-opacity', 0.7)
    .attr('stroke-width', 2);
  const cellsLayer = root.append('g').attr('class', 'cells');
  const pointsLayer = root.append('g').attr('class', 'sensor-points');
  const axes = root.append('g').attr('class', 'map-axes');
  const legend = root.append('g').attr('class', 'legend').attr('transform', `translate(8, ${size.height + 8})`);
  const kinds: [EntryKind, string][] = [
    ['observed', 'observed'],
    ['hidden', 'hidden (scored)'],
    ['imputed', 'imputed'],
    ['missing', 'no value'],
  ];
  kinds.forEach(([kind, label], i) => {
    const g = legend.append('g').attr('transform', `translate(${i * 125}, 0)`);
    g.append('rect').attr('width', 14).attr('height', 14).attr('class', `hex ${kind}`).attr('fill', kind === 'missing' ? 'none' : '#21918c');
    if (kind === 'imputed') g.append('rect').attr('width', 14).attr('height', 14).attr('fill', 'url(#lacuna-hatch)');
    g.append('text').attr('x', 18).attr('y', 11).text(label);
  });

  let fittedFor = '';
  let path = geoPath(geoMercator());
  let projection: GeoProjection = geoMercator();

  /** Lat/lng ticks on the left and bottom edges, and a scale bar with a round length. */
  function drawAxes() {
    axes.selectAll('*').remove();
    const [west, north] = projection.invert!([8, 8])!;
    const [east, south] = projection.invert!([size.width - 8, size.height - 8])!;
    const ticks = (a: number, b: number) => {
      const span = Math.abs(b - a);
      const step = 10 ** Math.floor(Math.log10(span / 3 || 1e-6));
      const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => span / s <= 5) ?? step * 10;
      const out: number[] = [];
      for (let v = Math.ceil(Math.min(a, b) / nice) * nice; v <= Math.max(a, b); v += nice) out.push(Number(v.toFixed(6)));
      return { out, digits: Math.max(0, -Math.floor(Math.log10(nice))) };
    };
    const lng = ticks(west, east);
    for (const v of lng.out) {
      const x = projection([v, south])![0];
      axes.append('line').attr('class', 'tick lng').attr('x1', x).attr('x2', x).attr('y1', size.height - 4).attr('y2', size.height);
      axes.append('text').attr('class', 'tick-label lng').attr('x', x).attr('y', size.height + 4).attr('text-anchor', 'middle').attr('font-size', 9).text(`${Math.abs(v).toFixed(lng.digits)}° ${v < 0 ? 'W' : 'E'}`);
    }
    const lat = ticks(south, north);
    for (const v of lat.out) {
      const y = projection([west, v])![1];
      axes.append('line').attr('class', 'tick lat').attr('x1', 0).attr('x2', 3).attr('y1', y).attr('y2', y);
      axes.append('text').attr('class', 'tick-label lat').attr('x', 8).attr('y', y + 3).attr('font-size', 9).text(`${Math.abs(v).toFixed(lat.digits)}° ${v < 0 ? 'S' : 'N'}`);
    }
    // Scale bar: the roundest length under a quarter of the width, measured along the bottom.
    const metres = geoDistance([west, south], [east, south]) * 6371008.8;
    const target = metres / 4;
    const unit = 10 ** Math.floor(Math.log10(target));
    const length = [5, 2, 1].map((m) => m * unit).find((l) => l <= target) ?? unit;
    const px = (length / metres) * (size.width - 16);
    const g = axes.append('g').attr('class', 'scale-bar').attr('transform', `translate(${size.width - 16 - px}, ${size.height - 14})`).attr('data-metres', length);
    g.append('rect').attr('width', px).attr('height', 4).attr('fill', 'currentColor');
    g.append('text').attr('x', px / 2).attr('y', -3).attr('text-anchor', 'middle').attr('font-size', 10).text(length >= 1000 ? `${length / 1000} km` : `${length} m`);
  }

  return {
    svg,
    update(data, row) {
      const byCell = new Map<string, number[]>();
      data.cells.forEach((cell, j) => {
        if (!cell) return;
        const list = byCell.get(cell) ?? [];
        list.push(j);
        byCell.set(cell, list);
      });
      const features = [...byCell].map(([cell, columns]) => ({
        type: 'Feature' as const,
        properties: { cell, columns },
        geometry: { type: 'Polygon' as const, coordinates: [clockwiseRing(cellToBoundary(cell, true) as [number, number][])] },
      }));
      const points = (data.points ?? []).map((p, j) => (p ? { j, lat: p[0], lng: p[1] } : null)).filter((p): p is { j: number; lat: number; lng: number } => p !== null);
      const key = [...byCell.keys()].join(',');
      if (key !== fittedFor) {
        const pointFeatures = points.map((p) => ({ type: 'Feature' as const, properties: {}, geometry: { type: 'Point' as const, coordinates: [p.lng, p.lat] } }));
        projection = geoMercator().fitExtent(
          [
            [24, 8],
            [size.width - 8, size.height - 8],
          ],
          { type: 'FeatureCollection', features: [...features, ...pointFeatures] } as unknown as Parameters<GeoProjection['fitExtent']>[1],
        );
        path = geoPath(projection);
        fittedFor = key;
        drawAxes();
        svg.dataset.cells = String(byCell.size);
      }
      const dots = pointsLayer.selectAll<SVGCircleElement, (typeof points)[number]>('circle.sensor').data(points, (d) => String(d.j));
      dots.exit().remove();
      dots
        .enter()
        .append('circle')
        .attr('class', 'sensor')
        .attr('r', 2.5)
        .call((c) => c.append('title'))
        .merge(dots)
        .attr('cx', (d) => projection([d.lng, d.lat])![0])
        .attr('cy', (d) => projection([d.lng, d.lat])![1])
        .attr('data-sensor', (d) => data.colIds[d.j])
        .select('title')
        .text((d) => `sensor ${data.colIds[d.j]}\n${d.lat.toFixed(5)}°, ${d.lng.toFixed(5)}°`);
      svg.dataset.points = String(points.length);
      const colour = colourScale(data.domain);
      const shown = features.map((f) => ({ f, ...cellValueAt(row, f.properties.columns, data.cols, data.values, data.observed, data.targets, data.imputed) }));
      const sel = cellsLayer.selectAll<SVGGElement, (typeof shown)[number]>('g.hexcell').data(shown, (d) => d.f.properties.cell);
      const enter = sel.enter().append('g').attr('class', 'hexcell');
      enter.append('path').attr('class', 'fill');
      enter.append('path').attr('class', 'hatch').attr('fill', 'url(#lacuna-hatch)');
      enter.append('title');
      sel.exit().remove();
      const all = enter.merge(sel);
      all.attr('data-kind', (d) => d.kind);
      // Cells far smaller than the view (sensors kilometres apart) are drawn at a legible
      // minimum size, scaled about their own centre, so the map stays readable.
      all.attr('transform', (d) => {
        const [[x0, y0], [x1, y1]] = path.bounds(d.f);
        const w = Math.max(x1 - x0, y1 - y0);
        if (!(w > 0) || w >= MIN_CELL_PX) return null;
        const [cx, cy] = path.centroid(d.f);
        const k = MIN_CELL_PX / w;
        return `translate(${cx},${cy}) scale(${k}) translate(${-cx},${-cy})`;
      });
      all
        .select<SVGPathElement>('path.fill')
        .attr('d', (d) => path(d.f) ?? '')
        .attr('class', (d) => `fill hex ${d.kind}`)
        .attr('vector-effect', 'non-scaling-stroke')
        .attr('fill', (d) => (d.value === null ? 'none' : colour(d.value)));
      all
        .select<SVGPathElement>('path.hatch')
        .attr('d', (d) => path(d.f) ?? '')
        .attr('display', (d) => (d.kind === 'imputed' || d.kind === 'hidden' ? null : 'none'));
      all.select('title').text((d) => `${d.f.properties.cell}\n${d.f.properties.columns.map((j) => data.colIds[j]).join(', ')}\n${data.rowLabels[row]}: ${d.value === null ? 'no value' : d.value.toFixed(3)} (${d.kind})`);
    },
  };
}
