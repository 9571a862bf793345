// The one SVG set-up every chart stands on: the <svg> itself, its axis groups (bottom, left and
// an optional right axis), the plot layer, the axis titles and a legend band above the plot
// (never over the data). A chart places the frame with margins that fit its labels (layout.ts),
// then joins its data into `plot`.
import { select, type Selection } from 'd3';
import { legendLayout, LINE_PX } from './layout';

const SVG_NS = 'http://www.w3.org/2000/svg';

export interface Margin {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

/** An <svg> of a fixed size, appended to the container. */
export function svgElement(container: Element, width: number, height: number, cls: string, id?: string): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('class', cls);
  if (id) svg.setAttribute('id', id);
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  container.append(svg);
  return svg;
}

export type Layer = Selection<SVGGElement, unknown, null, undefined>;

export interface ChartFrame {
  svg: SVGSVGElement;
  width: number;
  height: number;
  plot: Layer;
  xAxis: Layer;
  yAxis: Layer;
  y2Axis: Layer;
  /** Rows the legend takes for these names over a plot this wide (so the top margin can make room). */
  legendRows(names: string[], plotWidth: number): number;
  /** Moves the axes to the margins; returns the plot's box in pixels. */
  place(m: Margin): { x0: number; x1: number; y0: number; y1: number };
  /** Axis titles: below the x axis, along the left and right axes ('' hides one). */
  titles(x: string, y: string, y2: string): void;
  /** The legend band above the plot; entries keyed by name. */
  legend(entries: { name: string; className: string }[]): void;
  /** Empties the plot and the axes (no data). */
  clear(): void;
}

export function createFrame(container: Element, options: { width: number; height: number; cls: string; id?: string }): ChartFrame {
  const { width, height } = options;
  const svg = svgElement(container, width, height, options.cls, options.id);
  const root = select(svg);
  const xAxis = root.append('g').attr('class', 'axis x');
  const yAxis = root.append('g').attr('class', 'axis y');
  const y2Axis = root.append('g').attr('class', 'axis y2');
  const plot = root.append('g').attr('class', 'plot');
  const legendLayer = root.append('g').attr('class', 'legend');
  const title = (cls: string) => root.append('text').attr('class', `axis-label ${cls}`).attr('text-anchor', 'middle');
  const xTitle = title('x');
  const yTitle = title('y');
  const y2Title = title('y2');
  let margin: Margin = { top: 10, right: 12, bottom: 34, left: 50 };
  const legendWidth = () => width - margin.left - margin.right;

  return {
    svg,
    width,
    height,
    plot,
    xAxis,
    yAxis,
    y2Axis,
    legendRows(names, plotWidth) {
      if (names.length < 2) return 0;
      const at = legendLayout(names, plotWidth);
      return at[at.length - 1].row + 1;
    },
    place(m) {
      margin = m;
      xAxis.attr('transform', `translate(0,${height - m.bottom})`);
      yAxis.attr('transform', `translate(${m.left},0)`);
      y2Axis.attr('transform', `translate(${width - m.right},0)`);
      xTitle.attr('x', (m.left + width - m.right) / 2).attr('y', height - 4);
      yTitle.attr('transform', `translate(12,${(m.top + height - m.bottom) / 2}) rotate(-90)`);
      y2Title.attr('transform', `translate(${width - 6},${(m.top + height - m.bottom) / 2}) rotate(-90)`);
      return { x0: m.left, x1: width - m.right, y0: height - m.bottom, y1: m.top };
    },
    titles(x, y, y2) {
      xTitle.text(x);
      yTitle.text(y);
      y2Title.text(y2);
    },
    legend(entries) {
      const shown = entries.length > 1 ? entries : [];
      const at = legendLayout(shown.map((e) => e.name), legendWidth());
      legendLayer.attr('transform', `translate(${margin.left},6)`);
      legendLayer
        .selectAll<SVGGElement, { name: string; className: string }>('g.entry')
        .data(shown, (e) => e.name)
        .join((enter) => {
          const g = enter.append('g').attr('class', 'entry');
          g.append('line').attr('x1', 0).attr('x2', 16).attr('y1', 0).attr('y2', 0);
          g.append('text').attr('x', 20).attr('y', 4);
          return g;
        })
        .attr('transform', (_, i) => `translate(${at[i].x},${at[i].row * LINE_PX + 4})`)
        .call((g) => g.select('line').attr('class', (e) => `series ${e.className}`))
        .call((g) => g.select('text').text((e) => e.name));
    },
    clear() {
      plot.selectAll('*').remove();
      for (const axis of [xAxis, yAxis, y2Axis]) axis.selectAll('*').remove();
      legendLayer.selectAll('*').remove();
    },
  };
}
